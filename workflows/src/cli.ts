import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { runChecks, formatFindings } from './check/check';
import { Masker } from './masker';
import { runWorkflow } from './run/engine';
import { loadEnvironments } from './run/environments';
import { Reporter } from './run/reporter';
import { runnerEnvironment } from './run/runner-env';
import { formatTimeline } from './run/timeline';
import { summaryText } from './run/summary-text';
import { buildTrigger } from './run/trigger';
import type { RunResult } from './run/types';
import { allSecrets, parseEnvFile, type EnvFile } from './values';
import { loadWorkflow, triggers } from './workflow';

export { parseEnvFile };

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const ENVIRONMENTS_FILE = join(REPO_ROOT, 'workflows', 'environments.yml');

const USAGE = `Usage:
  pipeline check [workflow.yml ...]
  pipeline run <workflow> [--event push|workflow_dispatch|schedule|...] [--ref refs/heads/<branch>]
               [--input key=value]... [--env-file <dotenv>] [--approve <environment>]...
               [--schedule '<cron>'] [--repository owner/name]
               [--assume-workflow <called.yml>=success|failure]... [--github-api <url>]

The env file holds repository values (secrets.NAME=..., vars.NAME=...), environment values
(environments.<env>.secrets.NAME=..., environments.<env>.vars.NAME=...: only jobs with that
\`environment:\` see them) and runner.NAME=... lines (the runner machine's own environment, like a
self-hosted runner's .env).

--assume-workflow does not run a workflow that the run calls (e.g. ci.yml, whose npm test cannot
run inside a local rehearsal) and takes the given result for it; the timeline shows it as NOT RUN.
--github-api points the jobs' GITHUB_API_URL at a local GitHub API (GitHub cannot be reached here);
the jobs' token is then PIPELINE_GITHUB_TOKEN when set.`;

interface RunArgs {
  workflow: string;
  event?: string;
  ref?: string;
  inputs: Record<string, string>;
  envFile?: string;
  approve: string[];
  schedule?: string;
  repository?: string;
  assume: Record<string, 'success' | 'failure'>;
  githubApi?: string;
}

export function parseRunArgs(argv: string[]): RunArgs {
  const args: RunArgs = { workflow: '', inputs: {}, approve: [], assume: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--event') args.event = value();
    else if (arg === '--ref') args.ref = value();
    else if (arg === '--env-file') args.envFile = value();
    else if (arg === '--approve') args.approve.push(value());
    else if (arg === '--schedule') args.schedule = value();
    else if (arg === '--repository') args.repository = value();
    else if (arg === '--github-api') {
      args.githubApi = value();
      if (!/^https?:\/\/[^\s/]+\/?$/.test(args.githubApi))
        throw new Error('--github-api expects http(s)://host[:port]');
    } else if (arg === '--assume-workflow') {
      const match = /^(.+)=(success|failure)$/.exec(value());
      if (!match) throw new Error(`--assume-workflow expects <workflow>=success|failure`);
      args.assume[calledWorkflowPath(match[1]!)] = match[2] as 'success' | 'failure';
    } else if (arg === '--input') {
      const pair = value();
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`--input expects key=value, got '${pair}'`);
      args.inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else if (!args.workflow) args.workflow = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  if (!args.workflow) throw new Error('which workflow? e.g. pipeline run deploy-staging.yml');
  return args;
}

export function resolveWorkflowPath(name: string): string {
  if (existsSync(resolve(process.cwd(), name))) return resolve(process.cwd(), name);
  for (const candidate of [
    name,
    join('.github', 'workflows', name),
    join('.github', 'workflows', `${name}.yml`),
  ])
    if (existsSync(resolve(REPO_ROOT, candidate))) return resolve(REPO_ROOT, candidate);
  throw new Error(`no workflow ${name} (looked in .github/workflows/)`);
}

/** `ci.yml`, `ci` or `.github/workflows/ci.yml` → `.github/workflows/ci.yml` (the plan's `file`). */
export function calledWorkflowPath(name: string): string {
  return relative(REPO_ROOT, resolveWorkflowPath(name.replace(/^\.\//, '')));
}

function git(args: string[]): string {
  const result = spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

async function commandRun(argv: string[], write: (text: string) => void): Promise<number> {
  const args = parseRunArgs(argv);
  const path = resolveWorkflowPath(args.workflow);
  const workflow = loadWorkflow(path);
  const fromFile: EnvFile = args.envFile
    ? parseEnvFile(readFileSync(args.envFile, 'utf8'))
    : { repository: { secrets: {}, vars: {} }, environments: {}, runner: {} };
  const token =
    (args.githubApi && process.env.PIPELINE_GITHUB_TOKEN) || `ghs_local${randomBytes(16).toString('hex')}`;
  const masker = new Masker();
  for (const value of [token, ...allSecrets(fromFile)]) masker.add(value);
  const reporter = new Reporter(masker, write);

  const event = args.event ?? Object.keys(triggers(workflow))[0] ?? 'workflow_dispatch';
  const branch = git(['rev-parse', '--abbrev-ref', 'HEAD']) || 'main';
  const { github, inputs } = buildTrigger(workflow, {
    event,
    ref: args.ref ?? `refs/heads/${branch}`,
    sha: git(['rev-parse', 'HEAD']) || '0'.repeat(40),
    repository: args.repository ?? process.env.GITHUB_REPOSITORY ?? 'contextai/delivery',
    actor: process.env.USER ?? 'local',
    inputs: args.inputs,
    schedule: args.schedule,
    workspace: REPO_ROOT,
    workflowPath: path,
  });
  (github as Record<string, unknown>).token = token;
  if (args.githubApi) (github as Record<string, unknown>).api_url = args.githubApi.replace(/\/$/, '');

  const interactive = process.stdin.isTTY && process.stdout.isTTY;
  reporter.line(`pipeline run ${args.workflow}: ${event} ${github.ref} @ ${String(github.sha).slice(0, 12)}`);
  const result = await runWorkflow(path, inputs, {
    repoRoot: REPO_ROOT,
    github,
    values: fromFile,
    token,
    runnerEnv: runnerEnvironment(fromFile.runner),
    masker,
    reporter,
    environments: loadEnvironments(ENVIRONMENTS_FILE),
    approved: new Set(args.approve),
    confirm: interactive ? ask : undefined,
    assumedWorkflows: args.assume,
  });
  printResult(result, reporter);
  return result.conclusion === 'success' ? 0 : 1;
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function printResult(result: RunResult, reporter: Reporter): void {
  reporter.line('');
  reporter.line(formatTimeline(result));
  for (const summary of result.summaries) {
    reporter.line(`\n── summary: ${summary.job} › ${summary.step}`);
    reporter.line(summaryText(summary.markdown));
  }
  const annotations = result.annotations.filter((a) => a.level !== 'notice');
  if (annotations.length) {
    reporter.line('\nAnnotations:');
    for (const a of annotations)
      reporter.line(`  ${a.level === 'error' ? '✖' : '⚠'} ${a.job || result.workflow}: ${a.message}`);
  }
}

/** The `pipeline` command; returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const write = (text: string) => process.stdout.write(text);
  if (command === 'run') return commandRun(rest, write);
  if (command === 'check') {
    const findings = await runChecks(REPO_ROOT, rest.length ? rest.map(resolveWorkflowPath) : undefined);
    write(`${formatFindings(findings, REPO_ROOT)}\n`);
    return findings.length ? 1 : 0;
  }
  write(`${USAGE}\n`);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
}

export { main };
