import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The runner's file commands: one file per command, handed to a step through these variables. */
export const FILE_COMMANDS = [
  'GITHUB_OUTPUT',
  'GITHUB_ENV',
  'GITHUB_PATH',
  'GITHUB_STEP_SUMMARY',
  'GITHUB_STATE',
] as const;
export type FileCommand = (typeof FILE_COMMANDS)[number];
export type FileCommandPaths = Record<FileCommand, string>;

/** Creates empty file-command files under `dir` (made if missing) and returns their paths. */
export function createFileCommands(dir: string): FileCommandPaths {
  mkdirSync(dir, { recursive: true });
  const paths = Object.fromEntries(
    FILE_COMMANDS.map((name) => [name, join(dir, name.replace('GITHUB_', '').toLowerCase())]),
  ) as FileCommandPaths;
  for (const file of Object.values(paths)) writeFileSync(file, '');
  return paths;
}

export interface FileCommandResults {
  outputs: Record<string, string>;
  env: Record<string, string>;
  state: Record<string, string>;
  path: string[];
  summary: string;
}

/** Reads what a step wrote to its file commands. */
export function readFileCommands(paths: FileCommandPaths): FileCommandResults {
  const read = (name: FileCommand) => readFileSync(paths[name], 'utf8');
  return {
    outputs: parseFileCommand(read('GITHUB_OUTPUT')),
    env: parseFileCommand(read('GITHUB_ENV')),
    state: parseFileCommand(read('GITHUB_STATE')),
    path: read('GITHUB_PATH')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
    summary: read('GITHUB_STEP_SUMMARY'),
  };
}

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM` heredocs. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}' for '${name}'`);
      result[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0)
      throw new Error(
        `Invalid file-command line (expected name=value or name<<DELIMITER): ${line.slice(0, 40)}`,
      );
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/** The environment variable the runner uses for an action input. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
