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
import { node24 } from '../node24';
import { runProcess } from '../node-process';
import { loadActionMetadata, type ActionMetadata, type Step } from '../workflow';
import { IMAGE, imageBinDir, missingTool } from './runner-image';
import type { StepRecord, StepStatus } from './types';
import type { WorkflowRun } from './workflow-run';
import { CommandProcessor } from './workflow-commands';

export interface StepOutcome {
  outputs: Record<string, string>;
  outcome: 'success' | 'failure' | 'cancelled' | 'skipped';
  conclusion: 'success' | 'failure' | 'cancelled' | 'skipped';
}

interface Executed {
  status: StepStatus;
  note?: string;
  outputs: Record<string, string>;
  state?: Record<string, string>;
}

/** What steps need of the job they run in (a JobRun, job-run.ts). */
export interface JobRun {
  readonly run: WorkflowRun;
  readonly id: string;
  readonly displayId: string;
  readonly signal: AbortSignal;
  readonly cancelled: boolean;
  readonly contexts: Contexts;
  /** The job's env (GITHUB_ENV writes land here) and GITHUB_PATH additions, newest first. */
  readonly env: Record<string, string>;
  readonly path: string[];
  readonly temp: string;
  readonly toolCache: string;
  readonly hosted: boolean;
}

/** Where a list of steps runs: the job itself, or inside a composite action. */
interface StepScope {
  label: string;
  defaults: { shell?: string; 'working-directory'?: string };
  /** Composite action: its `inputs` context, directory and the env of the step that called it. */
  composite?: { inputs: Record<string, string>; actionPath: string; env: Record<string, string> };
  posts: (() => Promise<void>)[];
}

/** Third-party actions that have an honest local equivalent. */
const MAPPED: Record<string, string> = {
  'actions/checkout': 'the working tree is the checkout (no fetch, no credentials)',
};

let counter = 0;

/** Runs a job's steps like the runner, then the post steps of its actions in reverse order. */
export async function runSteps(
  job: JobRun,
  steps: Step[],
  defaults: StepScope['defaults'],
): Promise<{ failed: boolean; steps: Record<string, StepOutcome> }> {
  const scope: StepScope = { label: job.displayId, defaults, posts: [] };
  const result = await runStepList(job, steps, scope);
  for (const post of scope.posts.reverse()) await post();
  return result;
}

async function runStepList(
  job: JobRun,
  steps: Step[],
  scope: StepScope,
): Promise<{ failed: boolean; steps: Record<string, StepOutcome> }> {
  const results: Record<string, StepOutcome> = {};
  let failed = false;
  for (const [index, step] of steps.entries()) {
    const id = step.id ?? `__${index}`;
    const contexts: Contexts = {
      ...job.contexts,
      ...(scope.composite ? { inputs: scope.composite.inputs } : {}),
      steps: results,
      env: { ...job.env, ...scope.composite?.env },
      job: {
        ...(job.contexts.job as object),
        status: job.cancelled ? 'cancelled' : failed ? 'failure' : 'success',
      },
    };
    const name = stepName(step, contexts);
    const started = Date.now();
    const record: StepRecord = { job: scope.label, name, status: 'success', durationMs: 0 };
    job.run.collected.steps.push(record);
    const done = (status: StepStatus, note?: string) =>
      Object.assign(record, { status, note, durationMs: Date.now() - started });

    let run: boolean;
    try {
      run = evaluateCondition(step.if, contexts, { failed, cancelled: job.cancelled });
    } catch (error) {
      done('failure', `if: ${message(error)}`);
      failed = true;
      results[id] = { outputs: {}, outcome: 'failure', conclusion: 'failure' };
      continue;
    }
    if (!run) {
      const why = job.cancelled
        ? 'the job was cancelled'
        : failed && !usesStatusFunction(step.if)
          ? 'an earlier step failed'
          : `if: ${String(step.if)}`;
      done('skipped', why);
      results[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }

    job.run.line(`▶ ${scope.label} › ${name}`);
    let executed: Executed;
    try {
      executed = await runStep(job, step, contexts, scope, step.name ? name : (step.id ?? name));
    } catch (error) {
      executed = { status: 'failure', note: message(error), outputs: {} };
    }
    if (executed.status === 'failure') job.run.line(`  ✖ ${name}: ${executed.note ?? 'failed'}`);
    const continueOnError = truthyFlag(interpolate(step['continue-on-error'] ?? false, contexts));
    const outcome = executed.status === 'unsupported' ? 'success' : executed.status;
    const stepFailed = outcome === 'failure';
    results[id] = {
      outputs: executed.outputs,
      outcome,
      conclusion: stepFailed && continueOnError ? 'success' : outcome,
    };
    if (stepFailed && !continueOnError) failed = true;
    done(
      executed.status,
      [executed.note, stepFailed && continueOnError ? 'continue-on-error: the job goes on' : '']
        .filter(Boolean)
        .join('; ') || undefined,
    );
  }
  return { failed: failed || job.cancelled, steps: results };
}

function truthyFlag(value: unknown): boolean {
  return value === true || String(value).toLowerCase() === 'true';
}

async function runStep(
  job: JobRun,
  step: Step,
  contexts: Contexts,
  scope: StepScope,
  name: string,
): Promise<Executed> {
  const stepEnv = { ...scope.composite?.env, ...interpolateMap(step.env, contexts) };
  const withEnv = { ...contexts, env: { ...job.env, ...stepEnv } };
  const timeoutMs = step['timeout-minutes']
    ? Number(interpolate(step['timeout-minutes'], contexts)) * 60_000
    : undefined;
  if (step.run !== undefined) {
    const script = interpolateString(step.run, withEnv);
    const shell = step.shell ?? scope.defaults.shell;
    const workdir = interpolateString(
      step['working-directory'] ?? scope.defaults['working-directory'] ?? '',
      withEnv,
    );
    const argv = shellCommand(shell, job.temp, script);
    return execute(job, argv, {
      stepEnv,
      inputs: {},
      name,
      timeoutMs,
      workdir,
      actionPath: scope.composite?.actionPath,
    });
  }
  const uses = step.uses ?? '';
  if (!uses) return { status: 'failure', note: 'a step needs `run:` or `uses:`', outputs: {} };
  if (uses.startsWith('docker://'))
    return { status: 'failure', note: `${uses}: docker actions are not run locally`, outputs: {} };
  if (!uses.startsWith('./')) {
    const action = uses.split('@')[0]!;
    if (MAPPED[action]) return { status: 'success', note: `${action} → ${MAPPED[action]}`, outputs: {} };
    job.run.line(`  ⚠ NOT RUN: ${uses} is a third-party action with no local equivalent`);
    return { status: 'unsupported', note: `third-party action ${action} not run locally`, outputs: {} };
  }
  const dir = resolve(job.run.options.repoRoot, uses);
  const metadata = loadActionMetadata(dir);
  if (!metadata) return { status: 'failure', note: `${uses}: no action.yml`, outputs: {} };
  const inputs = actionInputs(metadata, interpolateMap(step.with, withEnv), withEnv, job, uses);
  const using = metadata.runs.using;
  if (/^node\d+$/.test(using)) {
    if (Number(using.slice(4)) < 20)
      return {
        status: 'failure',
        note: `${uses}: runs.using ${using} is no longer supported by GitHub`,
        outputs: {},
      };
    const node = job.run.options.node ?? node24();
    const main = join(dir, metadata.runs.main ?? 'dist/index.js');
    const result = await execute(job, [node, main], { stepEnv, inputs, name, timeoutMs, actionPath: dir });
    if (metadata.runs.post)
      scope.posts.push(postStep(job, metadata, dir, node, stepEnv, inputs, name, result.state ?? {}));
    return result;
  }
  if (using === 'composite') {
    const nested = await runStepList(job, metadata.runs.steps ?? [], {
      label: `${scope.label} › ${uses}`,
      defaults: {},
      composite: { inputs, actionPath: dir, env: stepEnv },
      posts: scope.posts,
    });
    const outputs = interpolateMap(
      Object.fromEntries(Object.entries(metadata.outputs ?? {}).map(([k, v]) => [k, v.value ?? ''])),
      { ...withEnv, inputs, steps: nested.steps },
    );
    return { status: nested.failed ? 'failure' : 'success', outputs };
  }
  return { status: 'failure', note: `${uses}: runs.using '${using}' is not supported locally`, outputs: {} };
}

/** Inputs as the runner passes them: every declared input (its default when not given), plus what `with:` gives. */
function actionInputs(
  metadata: ActionMetadata,
  given: Record<string, string>,
  contexts: Contexts,
  job: JobRun,
  uses: string,
): Record<string, string> {
  const declared = metadata.inputs ?? {};
  const unknown = Object.keys(given).filter((key) => !(key in declared));
  if (unknown.length) {
    const warning = `Unexpected input(s) '${unknown.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`;
    job.run.annotate('warning', job.displayId, uses, warning);
    job.run.line(`  ⚠ warning: ${warning}`);
  }
  const inputs: Record<string, string> = {};
  for (const [key, spec] of Object.entries(declared))
    if (spec.default !== undefined) inputs[key] = interpolateString(spec.default, contexts);
  for (const [key, spec] of Object.entries(declared))
    if (spec.required && !(key in given) && spec.default === undefined)
      job.run.line(`  ⚠ ${uses}: required input '${key}' not given`);
  return { ...inputs, ...given };
}

function postStep(
  job: JobRun,
  metadata: ActionMetadata,
  dir: string,
  node: string,
  stepEnv: Record<string, string>,
  inputs: Record<string, string>,
  name: string,
  state: Record<string, string>,
): () => Promise<void> {
  return async () => {
    const condition = metadata.runs['post-if'] ?? 'always()';
    if (!evaluateCondition(condition, job.contexts, { failed: false, cancelled: job.cancelled })) return;
    const started = Date.now();
    const record: StepRecord = { job: job.displayId, name: `Post ${name}`, status: 'success', durationMs: 0 };
    job.run.collected.steps.push(record);
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const result = await execute(job, [node, join(dir, metadata.runs.post!)], {
      stepEnv: { ...stepEnv, ...stateEnv },
      inputs,
      name: `Post ${name}`,
      actionPath: dir,
    });
    Object.assign(record, { status: result.status, note: result.note, durationMs: Date.now() - started });
  };
}

interface ExecuteOptions {
  stepEnv: Record<string, string>;
  inputs: Record<string, string>;
  name: string;
  timeoutMs?: number;
  workdir?: string;
  actionPath?: string;
}

/** Spawns one step process with the runner's environment and file commands, and applies what it wrote. */
async function execute(job: JobRun, argv: string[], o: ExecuteOptions): Promise<Executed> {
  counter += 1;
  const files = createFileCommands(join(job.temp, `step-${counter}`));
  const env = processEnv(job, o, files);
  const commands = new CommandProcessor({
    masker: job.run.options.masker,
    reporter: job.run.options.reporter,
    annotations: job.run.collected.annotations,
    job: job.displayId,
    step: o.name,
    env: { ...job.env, ...o.stepEnv },
  });
  let output = '';
  const result = await runProcess(argv[0]!, argv.slice(1), {
    env,
    cwd: resolve(job.run.options.repoRoot, o.workdir ?? '.'),
    timeoutMs: o.timeoutMs,
    signal: job.cancelled ? undefined : job.signal,
    onLine: (line) => {
      if (output.length < 65_536) output += `${line}\n`;
      commands.line(line);
    },
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') output += `${argv[0]}: command not found\n`;
    return { code: 127, timedOut: false, stdout: '', stderr: '' };
  });
  const written = readFileCommands(files);
  const effects = commands.effects;
  Object.assign(job.env, effects.env, written.env);
  job.path.unshift(...[...effects.path, ...written.path].reverse());
  if (written.summary.trim())
    job.run.collected.summaries.push({
      job: job.displayId,
      step: o.name,
      markdown: job.run.options.masker.mask(written.summary),
    });
  const outputs = { ...effects.outputs, ...written.outputs };
  const state = { ...effects.state, ...written.state };
  if (job.cancelled && result.code !== 0)
    return { status: 'cancelled', note: String(job.signal.reason ?? ''), outputs, state };
  if (result.timedOut)
    return { status: 'failure', note: `timed out after ${o.timeoutMs! / 60_000} min`, outputs, state };
  if (result.code === 0 && !effects.failed) return { status: 'success', outputs, state };
  return { status: 'failure', note: failureNote(job, result.code, output), outputs, state };
}

function failureNote(job: JobRun, code: number | null, output: string): string {
  const tool = job.hosted ? missingTool(output) : undefined;
  if (!tool) return code === 0 ? 'a workflow command was refused' : `exit code ${code}`;
  const message = `'${tool}' is not on GitHub's ${IMAGE.label} runner image (${IMAGE.version}) and no earlier step of this job installed it`;
  job.run.annotate('error', job.displayId, '', message);
  return `exit code ${code}: ${message}`;
}

/** The step's environment: the runner machine (or the hosted image), runner variables, job and step env. */
function processEnv(job: JobRun, o: ExecuteOptions, files: Record<string, string>): Record<string, string> {
  const { runnerEnv } = job.run.options;
  const machinePath = runnerEnv.PATH ?? '';
  const basePath = job.hosted ? imageBinDir(machinePath) : machinePath;
  const env: Record<string, string> = {
    ...runnerEnv,
    ...runnerVariables(job),
    ...(o.actionPath ? { GITHUB_ACTION_PATH: o.actionPath } : {}),
    ...job.env,
    ...o.stepEnv,
    ...files,
  };
  env.PATH = [...job.path, basePath].filter(Boolean).join(':');
  for (const [name, value] of Object.entries(o.inputs)) env[inputEnvName(name)] = value;
  return env;
}

function runnerVariables(job: JobRun): Record<string, string> {
  const github = job.run.options.github;
  const pick = (key: string) => stringify(github[key]);
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: job.run.options.repoRoot,
    GITHUB_EVENT_NAME: pick('event_name'),
    GITHUB_REF: pick('ref'),
    GITHUB_REF_NAME: pick('ref_name'),
    GITHUB_REF_TYPE: pick('ref_type'),
    GITHUB_SHA: pick('sha'),
    GITHUB_REPOSITORY: pick('repository'),
    GITHUB_REPOSITORY_OWNER: pick('repository_owner'),
    GITHUB_ACTOR: pick('actor'),
    GITHUB_TRIGGERING_ACTOR: pick('triggering_actor'),
    GITHUB_RUN_ID: pick('run_id'),
    GITHUB_RUN_NUMBER: pick('run_number'),
    GITHUB_RUN_ATTEMPT: pick('run_attempt'),
    GITHUB_SERVER_URL: pick('server_url'),
    GITHUB_API_URL: pick('api_url'),
    GITHUB_WORKFLOW: pick('workflow'),
    GITHUB_BASE_REF: pick('base_ref'),
    GITHUB_HEAD_REF: pick('head_ref'),
    GITHUB_JOB: job.id,
    GITHUB_EVENT_PATH: writeEvent(job),
    RUNNER_TEMP: job.temp,
    RUNNER_TOOL_CACHE: job.toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: job.hosted ? 'github-hosted' : 'self-hosted',
    ...(job.hosted
      ? { ImageOS: 'ubuntu24', ImageVersion: IMAGE.version, AGENT_TOOLSDIRECTORY: job.toolCache }
      : {}),
  };
}

function writeEvent(job: JobRun): string {
  const file = join(job.temp, 'event.json');
  writeFileSync(file, JSON.stringify((job.run.options.github as { event?: unknown }).event ?? {}));
  return file;
}

/**
 * The runner's shells (actions/runner ScriptHandler): no `shell:` → `bash -e {0}` (no pipefail);
 * `bash` → `bash --noprofile --norc -e -o pipefail {0}`; `sh` → `sh -e {0}`; `python` → `python {0}`;
 * anything else is `command [args with {0}]` (the script file then has no extension).
 */
export function shellCommand(shell: string | undefined, temp: string, script: string): string[] {
  const builtIn: Record<string, { args: string; ext: string }> = {
    bash: { args: '--noprofile --norc -e -o pipefail {0}', ext: '.sh' },
    sh: { args: '-e {0}', ext: '.sh' },
    python: { args: '{0}', ext: '.py' },
    pwsh: { args: `-command ". '{0}'"`, ext: '.ps1' },
  };
  let command: string;
  let args: string;
  if (!shell) [command, args] = ['bash', builtIn.sh!.args];
  else {
    const space = shell.indexOf(' ');
    command = space < 0 ? shell : shell.slice(0, space);
    args = space < 0 ? '' : shell.slice(space + 1).trim();
    if (!args) args = builtIn[command]?.args ?? '';
  }
  if (!args.includes('{0}'))
    throw new Error(
      "Invalid shell option. Shell must be a valid built-in (bash, sh, cmd, powershell, pwsh) or a format string containing '{0}'",
    );
  counter += 1;
  const ext = shell ? (builtIn[command]?.ext ?? '') : '.sh';
  const file = join(temp, `script-${counter}${ext}`);
  const contents =
    command === 'pwsh'
      ? `$ErrorActionPreference = 'stop'\n${script}\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }`
      : script;
  writeFileSync(file, contents, { mode: 0o700 });
  return [command, ...splitArgs(args.replaceAll('{0}', file))];
}

/** Splits an argument string like .NET's process start does: spaces separate, double quotes group. */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let any = false;
  for (const char of text) {
    if (char === '"') {
      quoted = !quoted;
      any = true;
    } else if (char === ' ' && !quoted) {
      if (any || current) args.push(current);
      current = '';
      any = false;
    } else current += char;
  }
  if (any || current) args.push(current);
  return args;
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
