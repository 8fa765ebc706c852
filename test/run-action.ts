import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  env: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

export interface RunActionOptions {
  /** Extra environment for the step (the runner's own variables are filled in). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Bundle to run; defaults to `dist/index.js` (the post step would be another file). */
  entry?: string;
}

/**
 * Runs an action's committed bundle exactly as the GitHub runner does: inputs as
 * `INPUT_<NAME>` (upper-cased, hyphens kept, spaces to underscores), file commands
 * through GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY / GITHUB_STATE files.
 */
export async function runAction(
  action: string,
  inputs: Record<string, string | number | boolean | undefined>,
  options: RunActionOptions = {},
): Promise<ActionRun> {
  const work = mkdtempSync(join(tmpdir(), `action-${action}-`));
  const files = {
    GITHUB_OUTPUT: join(work, 'output'),
    GITHUB_ENV: join(work, 'env'),
    GITHUB_STEP_SUMMARY: join(work, 'summary'),
    GITHUB_STATE: join(work, 'state'),
    GITHUB_PATH: join(work, 'path'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };
  for (const [key, value] of Object.entries({ RUNNER_TEMP: work, GITHUB_ACTIONS: 'true', ...files, ...options.env }))
    if (value !== undefined) env[key] = value;
  for (const [name, value] of Object.entries(inputs))
    if (value !== undefined) env[inputEnvName(name)] = String(value);

  const script = join(REPO_ROOT, 'actions', action, options.entry ?? 'dist/index.js');
  try {
    const { code, stdout, stderr } = await spawnNode(script, env, options.cwd ?? REPO_ROOT, options.timeoutMs);
    return {
      code,
      stdout,
      stderr,
      outputs: parseFileCommand(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      env: parseFileCommand(readFileSync(files.GITHUB_ENV, 'utf8')),
      state: parseFileCommand(readFileSync(files.GITHUB_STATE, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM` heredocs. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i += 1) body.push(lines[i]!);
      result[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

function spawnNode(script: string, env: Record<string, string>, cwd: string, timeoutMs = 600_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Every place a secret could leak from an action run, joined for `not.toContain` checks. */
export function everythingPrinted(result: ActionRun): string {
  return [result.stdout, result.stderr, result.summary, JSON.stringify(result.outputs), JSON.stringify(result.env), JSON.stringify(result.state)].join('\n');
}
