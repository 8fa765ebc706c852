import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  evaluateCondition,
  interpolate,
  interpolateMap,
  interpolateString,
  stringify,
  type Contexts,
} from '../expressions';
import { createFileCommands, inputEnvName, readFileCommands } from '../file-commands';
import { runProcess } from '../node-process';
import { loadActionMetadata, type ActionMetadata, type Step } from '../workflow';
import { handleCommandLine } from './workflow-commands';
import type { EngineOptions } from './engine';
import type { Annotation, StepRecord, StepStatus, SummaryRecord } from './types';

export interface StepsContext {
  jobId: string;
  contexts: Contexts;
  /** The job's environment (workflow env + job env); GITHUB_ENV writes are added to it. */
  env: Record<string, string>;
  defaults: { shell?: string; 'working-directory'?: string };
  temp: string;
  options: EngineOptions;
  collected: { steps: StepRecord[]; summaries: SummaryRecord[]; annotations: Annotation[] };
}

interface StepOutcome {
  outputs: Record<string, string>;
  outcome: 'success' | 'failure' | 'skipped';
  conclusion: 'success' | 'failure' | 'skipped';
}

/** Third-party actions that have an honest local equivalent. */
const MAPPED: Record<string, string> = {
  'actions/checkout': 'the working tree is the checkout (no fetch, no credentials)',
};

let counter = 0;

/** Runs steps in order like the runner: `if:` with status functions, outputs, env and path file commands. */
export async function runSteps(
  steps: Step[],
  ctx: StepsContext,
): Promise<{ failed: boolean; steps: Record<string, StepOutcome> }> {
  const results: Record<string, StepOutcome> = {};
  const path: string[] = [];
  const posts: (() => Promise<void>)[] = [];
  let failed = false;
  for (const [index, step] of steps.entries()) {
    const id = step.id ?? `__step${index}`;
    const contexts = { ...ctx.contexts, steps: results, env: ctx.env };
    const name = stepName(step, contexts);
    const started = Date.now();
    const record: StepRecord = { job: ctx.jobId, name, status: 'success', durationMs: 0 };
    ctx.collected.steps.push(record);
    const done = (status: StepStatus, note?: string) =>
      Object.assign(record, { status, note, durationMs: Date.now() - started });

    let run: boolean;
    try {
      run = evaluateCondition(step.if, contexts, { failed, cancelled: false });
    } catch (error) {
      done('failure', `if: ${message(error)}`);
      failed = true;
      results[id] = { outputs: {}, outcome: 'failure', conclusion: 'failure' };
      continue;
    }
    if (!run) {
      done(
        'skipped',
        failed && !usesStatusFunction(step.if) ? 'an earlier step failed' : `if: ${String(step.if)}`,
      );
      results[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }

    ctx.options.reporter.line(`▶ ${ctx.jobId} › ${name}`);
    let outcome: { status: StepStatus; note?: string; outputs: Record<string, string> };
    try {
      outcome = await runStep(step, contexts, ctx, path, posts);
    } catch (error) {
      outcome = { status: 'failure', note: message(error), outputs: {} };
    }
    if (outcome.status === 'failure') ctx.options.reporter.line(`  ✖ ${name}: ${outcome.note ?? 'failed'}`);
    const continueOnError =
      step['continue-on-error'] !== undefined && interpolate(step['continue-on-error'], contexts) === true;
    const stepFailed = outcome.status === 'failure';
    results[id] = {
      outputs: outcome.outputs,
      outcome: stepFailed ? 'failure' : 'success',
      conclusion: stepFailed && !continueOnError ? 'failure' : 'success',
    };
    if (stepFailed && !continueOnError) failed = true;
    done(
      outcome.status,
      [outcome.note, stepFailed && continueOnError ? 'continue-on-error: the job goes on' : '']
        .filter(Boolean)
        .join('; ') || undefined,
    );
  }
  for (const post of posts.reverse()) await post();
  return { failed, steps: results };
}

async function runStep(
  step: Step,
  contexts: Contexts,
  ctx: StepsContext,
  path: string[],
  posts: (() => Promise<void>)[],
): Promise<{ status: StepStatus; note?: string; outputs: Record<string, string> }> {
  const stepEnv = { ...ctx.env, ...interpolateMap(step.env, contexts) };
  const withEnv = { ...contexts, env: stepEnv };
  if (step.run !== undefined) {
    const script = interpolateString(step.run, withEnv);
    const shell = step.shell ?? ctx.defaults.shell ?? 'bash';
    const workdir = step['working-directory'] ?? ctx.defaults['working-directory'];
    return execute(shellCommand(shell, writeScript(ctx.temp, script)), stepEnv, {}, ctx, path, step, workdir);
  }
  const uses = step.uses ?? '';
  if (!uses) return { status: 'failure', note: 'a step needs `run:` or `uses:`', outputs: {} };
  if (!uses.startsWith('./')) {
    const action = uses.split('@')[0]!;
    if (MAPPED[action]) return { status: 'success', note: `${action} → ${MAPPED[action]}`, outputs: {} };
    ctx.options.reporter.line(`  ⚠ NOT RUN: ${uses} is a third-party action with no local equivalent`);
    return { status: 'unsupported', note: `third-party action ${action} not run locally`, outputs: {} };
  }
  const dir = resolve(ctx.options.repoRoot, uses);
  const metadata = loadActionMetadata(dir);
  if (!metadata) return { status: 'failure', note: `${uses}: no action.yml`, outputs: {} };
  const inputs = actionInputs(metadata, interpolateMap(step.with, withEnv), withEnv, ctx, uses);
  const using = metadata.runs.using;
  if (/^node\d+$/.test(using)) {
    const main = join(dir, metadata.runs.main ?? 'dist/index.js');
    const result = await execute([process.execPath, main], stepEnv, inputs, ctx, path, step);
    if (metadata.runs.post)
      posts.push(postStep(metadata, dir, stepEnv, inputs, ctx, path, step, result.state));
    return result;
  }
  if (using === 'composite') return runComposite(metadata, inputs, withEnv, ctx, uses);
  return { status: 'failure', note: `${uses}: runs.using '${using}' is not supported locally`, outputs: {} };
}

/** Inputs as the runner passes them: every declared input (its default when not given), plus what `with:` gives. */
function actionInputs(
  metadata: ActionMetadata,
  given: Record<string, string>,
  contexts: Contexts,
  ctx: StepsContext,
  uses: string,
): Record<string, string> {
  const declared = metadata.inputs ?? {};
  const unknown = Object.keys(given).filter((key) => !(key in declared));
  if (unknown.length) ctx.options.reporter.line(`  ⚠ ${uses}: unexpected input(s) ${unknown.join(', ')}`);
  const inputs: Record<string, string> = {};
  for (const [key, spec] of Object.entries(declared))
    if (spec.default !== undefined) inputs[key] = interpolateString(spec.default, contexts);
  return { ...inputs, ...given };
}

async function runComposite(
  metadata: ActionMetadata,
  inputs: Record<string, string>,
  contexts: Contexts,
  ctx: StepsContext,
  uses: string,
): Promise<{ status: StepStatus; note?: string; outputs: Record<string, string> }> {
  const nested = await runSteps(metadata.runs.steps ?? [], {
    ...ctx,
    jobId: `${ctx.jobId} › ${uses}`,
    contexts: { ...contexts, inputs },
  });
  const outputs = interpolateMap(
    Object.fromEntries(Object.entries(metadata.outputs ?? {}).map(([k, v]) => [k, v.value ?? ''])),
    { ...contexts, inputs, steps: nested.steps },
  );
  return { status: nested.failed ? 'failure' : 'success', outputs };
}

function postStep(
  metadata: ActionMetadata,
  dir: string,
  env: Record<string, string>,
  inputs: Record<string, string>,
  ctx: StepsContext,
  path: string[],
  step: Step,
  state: Record<string, string>,
): () => Promise<void> {
  return async () => {
    const started = Date.now();
    const record: StepRecord = {
      job: ctx.jobId,
      name: `Post ${step.name ?? step.uses}`,
      status: 'success',
      durationMs: 0,
    };
    ctx.collected.steps.push(record);
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const result = await execute(
      [process.execPath, join(dir, metadata.runs.post!)],
      { ...env, ...stateEnv },
      inputs,
      ctx,
      path,
      step,
    );
    Object.assign(record, { status: result.status, note: result.note, durationMs: Date.now() - started });
  };
}

/** Spawns one step process with the runner's environment and file commands, and applies what it wrote. */
async function execute(
  argv: string[],
  stepEnv: Record<string, string>,
  inputs: Record<string, string>,
  ctx: StepsContext,
  path: string[],
  step: Step,
  workdir?: string,
): Promise<{
  status: StepStatus;
  note?: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
}> {
  counter += 1;
  const files = createFileCommands(join(ctx.temp, `step-${counter}`));
  const env: Record<string, string> = {
    ...ctx.options.runnerEnv,
    ...runnerVariables(ctx),
    ...stepEnv,
    ...files,
  };
  env.PATH = [...path, env.PATH ?? ''].filter(Boolean).join(':');
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;
  const timeoutMs = step['timeout-minutes'] ? Number(step['timeout-minutes']) * 60_000 : undefined;
  const result = await runProcess(argv[0]!, argv.slice(1), {
    env,
    cwd: resolve(ctx.options.repoRoot, workdir ?? '.'),
    timeoutMs,
    onLine: (line) => handleCommandLine(line, ctx),
  });
  const written = readFileCommands(files);
  Object.assign(ctx.env, written.env);
  path.unshift(...written.path.reverse());
  if (written.summary.trim())
    ctx.collected.summaries.push({
      job: ctx.jobId,
      step: step.name ?? step.id ?? step.uses ?? 'run',
      markdown: ctx.options.masker.mask(written.summary),
    });
  const status: StepStatus = result.code === 0 ? 'success' : 'failure';
  const note = result.timedOut
    ? `timed out after ${step['timeout-minutes']} min`
    : result.code === 0
      ? undefined
      : `exit code ${result.code}`;
  return { status, note, outputs: written.outputs, state: written.state };
}

function runnerVariables(ctx: StepsContext): Record<string, string> {
  const github = ctx.contexts.github as Record<string, unknown>;
  const pick = (key: string) => stringify(github[key]);
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ctx.options.repoRoot,
    GITHUB_EVENT_NAME: pick('event_name'),
    GITHUB_REF: pick('ref'),
    GITHUB_REF_NAME: pick('ref_name'),
    GITHUB_REF_TYPE: pick('ref_type'),
    GITHUB_SHA: pick('sha'),
    GITHUB_REPOSITORY: pick('repository'),
    GITHUB_REPOSITORY_OWNER: pick('repository_owner'),
    GITHUB_ACTOR: pick('actor'),
    GITHUB_RUN_ID: pick('run_id'),
    GITHUB_RUN_NUMBER: pick('run_number'),
    GITHUB_RUN_ATTEMPT: pick('run_attempt'),
    GITHUB_SERVER_URL: pick('server_url'),
    GITHUB_API_URL: pick('api_url'),
    GITHUB_WORKFLOW: pick('workflow'),
    GITHUB_JOB: ctx.jobId,
    GITHUB_EVENT_PATH: writeEvent(ctx),
    RUNNER_TEMP: ctx.temp,
    RUNNER_OS: 'Linux',
  };
}

function writeEvent(ctx: StepsContext): string {
  const file = join(ctx.temp, 'event.json');
  writeFileSync(file, JSON.stringify((ctx.contexts.github as { event?: unknown }).event ?? {}));
  return file;
}

function writeScript(temp: string, script: string): string {
  counter += 1;
  const file = join(temp, `script-${counter}.sh`);
  writeFileSync(file, script, { mode: 0o700 });
  return file;
}

/** The runner's shells: bash with `-e -o pipefail` and no profile, sh with `-e`. */
function shellCommand(shell: string, file: string): string[] {
  if (shell === 'bash') return ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file];
  if (shell === 'sh') return ['sh', '-e', file];
  if (shell.includes('{0}')) return shell.split(/\s+/).map((part) => part.replace('{0}', file));
  throw new Error(`shell '${shell}' is not supported locally`);
}

function stepName(step: Step, contexts: Contexts): string {
  if (step.name) {
    try {
      return interpolateString(step.name, contexts);
    } catch {
      return step.name;
    }
  }
  if (step.uses) return step.uses.replace(/@([0-9a-f]{7})[0-9a-f]{33}$/, '@$1');
  return `Run ${(step.run ?? '').split('\n')[0]!.slice(0, 60)}`;
}

function usesStatusFunction(condition: unknown): boolean {
  return /\b(success|failure|always|cancelled)\s*\(/i.test(String(condition ?? ''));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
