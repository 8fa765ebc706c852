import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  createFileCommands,
  inputEnvName,
  parseFileCommand,
  readFileCommands,
} from '../workflows/src/file-commands';
import { node24 } from '../workflows/src/node24';
import { runProcess } from '../workflows/src/node-process';

// One implementation of the runner's file commands, shared with the workflow engine.
export { inputEnvName, parseFileCommand };

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
  const files = createFileCommands(work);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work };
  for (const [key, value] of Object.entries({
    RUNNER_TEMP: work,
    GITHUB_ACTIONS: 'true',
    ...files,
    ...options.env,
  }))
    if (value !== undefined) env[key] = value;
  for (const [name, value] of Object.entries(inputs))
    if (value !== undefined) env[inputEnvName(name)] = String(value);

  const script = join(REPO_ROOT, 'actions', action, options.entry ?? 'dist/index.js');
  try {
    // `runs.using: node24`: the bundle runs on Node 24, as on GitHub, whatever runs the tests.
    const { code, stdout, stderr } = await runProcess(node24(), [script], {
      env,
      cwd: options.cwd ?? REPO_ROOT,
      timeoutMs: options.timeoutMs ?? 600_000,
    });
    const written = readFileCommands(files);
    return {
      code,
      stdout,
      stderr,
      outputs: written.outputs,
      env: written.env,
      state: written.state,
      summary: written.summary,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every place a secret could leak from an action run, joined for `not.toContain` checks. */
export function everythingPrinted(result: ActionRun): string {
  // `::add-mask::` lines are consumed by the runner (never shown); everything else counts.
  const shown = (text: string) =>
    text
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
  return [
    shown(result.stdout),
    result.stderr,
    result.summary,
    JSON.stringify(result.outputs),
    JSON.stringify(result.env),
    JSON.stringify(result.state),
  ].join('\n');
}
