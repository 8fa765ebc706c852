import { resolve } from 'node:path';
import { Masker } from '../src/masker';
import { runWorkflow, type EngineOptions } from '../src/run/engine';
import { Reporter } from '../src/run/reporter';
import type { RunResult } from '../src/run/types';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const fixture = (name: string) => `workflows/__tests__/fixtures/${name}`;

export interface FixtureRun {
  result: RunResult;
  printed: string;
}

/** Runs a fixture workflow through the engine and captures everything it prints. */
export async function runFixture(
  name: string,
  inputs: Record<string, unknown> = {},
  overrides: Partial<EngineOptions> = {},
): Promise<FixtureRun> {
  let printed = '';
  const masker = overrides.masker ?? new Masker();
  const secrets = overrides.secrets ?? {};
  for (const value of Object.values(secrets)) masker.add(value);
  const result = await runWorkflow(fixture(name), inputs, {
    repoRoot: REPO_ROOT,
    github: {
      event_name: 'push',
      ref: 'refs/heads/main',
      ref_name: 'main',
      sha: 'a'.repeat(40),
      repository: 'o/r',
    },
    secrets,
    vars: {},
    runnerEnv: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    environments: { environments: {} },
    approved: new Set(),
    ...overrides,
    masker,
    reporter: new Reporter(masker, (text) => (printed += text)),
  });
  return { result, printed };
}

export const jobResult = (run: FixtureRun, id: string) => run.result.jobs.find((j) => j.id === id)?.result;
export const stepStatus = (run: FixtureRun, job: string, name: string) =>
  run.result.steps.find((s) => s.job === job && s.name === name)?.status;
