import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Masker } from '../src/masker';
import { runWorkflow, type EngineOptions } from '../src/run/engine';
import { Reporter } from '../src/run/reporter';
import { ConcurrencyTable } from '../src/run/concurrency';
import type { RunResult } from '../src/run/types';
import { allSecrets, type Values } from '../src/values';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const fixture = (name: string) => `workflows/__tests__/fixtures/${name}`;

export interface FixtureRun {
  result: RunResult;
  printed: string;
}

/** Options of a fixture run; `secrets`/`vars` are repository-level shorthands for `values`. */
export type FixtureOptions = Partial<EngineOptions> & {
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
};

/** One concurrency table per test process, private to it (tests never meet `pipeline run` locks). */
export const testConcurrency = new ConcurrencyTable(mkdtempSync(join(tmpdir(), 'pipeline-test-groups-')));

/** Runs a fixture workflow through the engine and captures everything it prints. */
export async function runFixture(
  name: string,
  inputs: Record<string, unknown> = {},
  overrides: FixtureOptions = {},
): Promise<FixtureRun> {
  let printed = '';
  const masker = overrides.masker ?? new Masker();
  const { secrets = {}, vars = {}, ...rest } = overrides;
  const values: Values = rest.values ?? { repository: { secrets, vars }, environments: {} };
  for (const value of allSecrets(values)) masker.add(value);
  const result = await runWorkflow(name.includes('/') ? name : fixture(name), inputs, {
    repoRoot: REPO_ROOT,
    github: {
      event_name: 'push',
      ref: 'refs/heads/main',
      ref_name: 'main',
      sha: 'a'.repeat(40),
      repository: 'o/r',
    },
    values,
    token: 'ghs_test_token_0123456789',
    runnerEnv: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    environments: { environments: {} },
    approved: new Set(),
    concurrency: testConcurrency,
    ...rest,
    masker,
    reporter: new Reporter(masker, (text) => (printed += text)),
  });
  return { result, printed };
}

export const jobResult = (run: FixtureRun, id: string) => run.result.jobs.find((j) => j.id === id)?.result;
export const stepStatus = (run: FixtureRun, job: string, name: string) =>
  run.result.steps.find((s) => s.job === job && s.name === name)?.status;
