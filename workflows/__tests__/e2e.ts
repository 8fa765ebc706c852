import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEnv } from '../../test/stack-env';
import { allSecrets, parseEnvFile, type EnvFile } from '../src/values';
import { Masker } from '../src/masker';
import { runWorkflow } from '../src/run/engine';
import { loadEnvironments } from '../src/run/environments';
import { Reporter } from '../src/run/reporter';
import { buildTrigger } from '../src/run/trigger';
import type { RunResult } from '../src/run/types';
import { ageMirror, backupSigningKey, rehearsalEnv, type RehearsalEdge } from '../src/rehearsal-env';
import { loadWorkflow } from '../src/workflow';
import { REPO_ROOT } from './helpers';

export const actionReady = (name: string) => existsSync(join(REPO_ROOT, 'actions', name, 'dist', 'index.js'));

/**
 * The rehearsal's environment for end-to-end tests, with databases of their own: the same env file
 * scripts/rehearse writes, from `scripts/stack env`; with `edge`, the deploys' edge on the stack.
 */
export function e2eEnvironment(
  name: string,
  edge?: RehearsalEdge,
): EnvFile & { stack: Record<string, string> } {
  const stack = stackEnv();
  const work = join(stack.STACK_DIR!, 'e2e', name);
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const base = stack.STACK_PG_URL!.replace(/\/[^/]*$/, '');
  for (const db of [`e2e_${name}`, `e2e_${name}_scratch`]) {
    const exists = execFileSync(
      'psql',
      [stack.STACK_PG_URL!, '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${db}'`],
      { encoding: 'utf8' },
    );
    if (!exists.trim()) execFileSync('psql', [stack.STACK_PG_URL!, '-qc', `CREATE DATABASE ${db}`]);
  }
  // The scratch database is disposable: mark it so verify and the drill may empty it.
  execFileSync('psql', [
    stack.STACK_PG_URL!,
    '-qc',
    `COMMENT ON DATABASE e2e_${name}_scratch IS 'contextai:scratch'`,
  ]);
  const keyFile = join(work, 'age.key');
  if (!existsSync(keyFile)) execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
  const ageIdentity = readFileSync(keyFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  const ageRecipient = execFileSync('age-keygen', ['-y', keyFile], { encoding: 'utf8' }).trim();
  const text = rehearsalEnv(stack, {
    ageIdentity,
    ageRecipient,
    deployRoot: join(stack.STACK_DIR!, 'deploy'),
    // Suites that deploy nothing still get a complete env file: URLs that nothing serves.
    ...(edge ? { edge } : { siteUrl: 'http://127.0.0.1:9', internalUrl: 'http://127.0.0.1:9' }),
    appDatabaseUrl: `${base}/e2e_${name}`,
    scratchDatabaseUrl: `${base}/e2e_${name}_scratch`,
    imageBuildArgs: `BASE_IMAGE=${stack.STACK_REGISTRY}/contextai/node-base:${process.versions.node.split('.')[0]}`,
    ageMirror: ageMirror(work),
    backupSigning: backupSigningKey(work),
  });
  const env = parseEnvFile(text);
  // Backups of each suite under their own prefix: "the latest nightly" is then always the suite's.
  env.environments.operations!.vars.BACKUP_PREFIX = `e2e-${name}`;
  return { ...env, stack };
}

/** The token every job of an end-to-end run gets (`github.token`). */
export const E2E_GITHUB_TOKEN = 'ghs_e2e_token_0123456789abcdef';

export interface E2eRun {
  result: RunResult;
  printed: string;
}

/** Runs a real workflow of .github/workflows through the engine, like `pipeline run`. */
export async function runReal(
  workflow: string,
  env: EnvFile,
  options: {
    event: string;
    ref: string;
    inputs?: Record<string, string>;
    approve?: string[];
    sha?: string;
    /** Called workflows not run, with their assumed result (ci.yml: its npm test is this suite). */
    assume?: Record<string, 'success' | 'failure'>;
    /** GitHub's REST API for the run (test/fake-github.ts; it must accept E2E_GITHUB_TOKEN). */
    githubApi?: string;
  },
): Promise<E2eRun> {
  const path = join(REPO_ROOT, '.github', 'workflows', workflow);
  const { github, inputs } = buildTrigger(loadWorkflow(path), {
    event: options.event,
    ref: options.ref,
    sha:
      options.sha ?? execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(),
    repository: 'contextai/delivery',
    actor: 'e2e',
    inputs: options.inputs ?? {},
    workspace: REPO_ROOT,
    workflowPath: path,
  });
  if (options.githubApi) github.api_url = options.githubApi;
  const masker = new Masker();
  const token = E2E_GITHUB_TOKEN;
  github.token = token; // `${{ github.token }}`, as `pipeline run` sets it
  for (const value of [token, ...allSecrets(env)]) masker.add(value);
  let printed = '';
  // Also streamed to a file, masked like the console: a run that times out still shows how far it got.
  const logDir = join(process.env.STACK_DIR ?? tmpdir(), 'e2e-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${new Date().toISOString().replace(/[:.]/g, '')}-${workflow}.log`);
  const result = await runWorkflow(path, inputs, {
    repoRoot: REPO_ROOT,
    github,
    values: env,
    token,
    runnerEnv: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env.runner },
    masker,
    reporter: new Reporter(masker, (text) => {
      printed += text;
      appendFileSync(logFile, text);
    }),
    environments: loadEnvironments(join(REPO_ROOT, 'workflows', 'environments.yml')),
    approved: new Set(options.approve ?? []),
    assumedWorkflows: options.assume,
  });
  return { result, printed };
}
