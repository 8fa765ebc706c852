import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  evaluateCondition,
  interpolateMap,
  interpolateString,
  type Contexts,
  type Status,
} from '../expressions';
import type { Masker } from '../masker';
import {
  ancestors,
  callOutputs,
  environmentName,
  jobOrder,
  loadWorkflow,
  needsOf,
  triggerInputs,
  type CallInput,
  type Job,
  type Workflow,
} from '../workflow';
import { gateEnvironment, type ApprovalOptions } from './approval';
import { withConcurrency } from './concurrency';
import type { Reporter } from './reporter';
import { runSteps } from './steps';
import type { Annotation, JobRecord, Result, RunResult, StepRecord, SummaryRecord } from './types';

export interface EngineOptions extends ApprovalOptions {
  repoRoot: string;
  /** The `github` context (event_name, ref, sha, repository, event, ...). */
  github: Record<string, unknown>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** The runner machine's own environment (PATH, HOME, ...): what a self-hosted runner would have. */
  runnerEnv: Record<string, string>;
  masker: Masker;
  reporter: Reporter;
  /** Where concurrency locks live (shared by every `pipeline run` on this machine). */
  lockDir?: string;
}

/** What one run collects; nested (reusable) workflows append to the same lists. */
interface Collected {
  jobs: JobRecord[];
  steps: StepRecord[];
  summaries: SummaryRecord[];
  annotations: Annotation[];
}

/** Runs a workflow file with the given trigger inputs and returns what happened. */
export async function runWorkflow(
  path: string,
  inputs: Record<string, unknown>,
  options: EngineOptions,
): Promise<RunResult> {
  const started = Date.now();
  const collected: Collected = { jobs: [], steps: [], summaries: [], annotations: [] };
  const workflow = loadWorkflow(resolve(options.repoRoot, path));
  const { outputs, failed } = await runJobs(workflow, '', inputs, options.secrets, options, collected);
  return {
    workflow: relative(options.repoRoot, resolve(options.repoRoot, path)),
    conclusion: failed ? 'failure' : 'success',
    durationMs: Date.now() - started,
    ...collected,
    outputs,
  };
}

async function runJobs(
  workflow: Workflow,
  prefix: string,
  inputs: Record<string, unknown>,
  secrets: Record<string, string>,
  options: EngineOptions,
  collected: Collected,
): Promise<{ outputs: Record<string, string>; failed: boolean }> {
  const results = new Map<string, { result: Result; outputs: Record<string, string> }>();
  const base: Contexts = { github: options.github, inputs, secrets, vars: options.vars };
  for (const id of jobOrder(workflow)) {
    const job = workflow.jobs[id]!;
    const needs = Object.fromEntries(needsOf(job).map((need) => [need, results.get(need)!]));
    const upstream = [...ancestors(workflow, id)].map((a) => results.get(a)!.result);
    const status: Status & { blocked: boolean } = {
      failed: upstream.includes('failure'),
      cancelled: upstream.includes('cancelled'),
      blocked: upstream.includes('skipped'),
    };
    const contexts: Contexts = { ...base, needs };
    const record = await runJob(
      workflow,
      `${prefix}${id}`,
      job,
      contexts,
      status,
      secrets,
      options,
      collected,
    );
    results.set(id, { result: record.result, outputs: record.outputs });
  }
  const jobsContext = Object.fromEntries(results);
  const outputs = interpolateMap(
    Object.fromEntries(
      Object.entries(callOutputs(workflow)).map(([name, output]) => [name, output.value ?? '']),
    ),
    { ...base, jobs: jobsContext },
  );
  const failed = [...results.values()].some((r) => r.result === 'failure' || r.result === 'cancelled');
  return { outputs, failed };
}

async function runJob(
  workflow: Workflow,
  id: string,
  job: Job,
  contexts: Contexts,
  status: Status & { blocked: boolean },
  secrets: Record<string, string>,
  options: EngineOptions,
  collected: Collected,
): Promise<JobRecord> {
  const started = Date.now();
  const name = job.name ? `${id} (${interpolateString(job.name, contexts)})` : id;
  const record: JobRecord = { id, name, result: 'success', durationMs: 0, outputs: {} };
  collected.jobs.push(record);
  const finish = (result: Result, note?: string) => {
    Object.assign(record, { result, note, durationMs: Date.now() - started });
    options.reporter.line(`${icon(result)} job ${id}: ${result}${note ? ` (${note})` : ''}`);
    return record;
  };

  const condition = evaluateCondition(job.if, contexts, {
    ...status,
    failed: status.failed || status.blocked,
  });
  const runsAnyway = job.if !== undefined && condition;
  if (!condition || (status.blocked && !runsAnyway))
    return finish(
      'skipped',
      job.if !== undefined ? `if: ${String(job.if)} was false` : 'a needed job did not succeed',
    );

  options.reporter.line(`\n━━ job ${id}${job.name ? ` — ${interpolateString(job.name, contexts)}` : ''}`);
  try {
    if (job.uses)
      return await runCalledWorkflow(id, job, contexts, secrets, options, collected, record, finish);

    const environment = environmentName(job);
    if (environment !== undefined) {
      const envName = interpolateString(environment, contexts);
      const refusal = await gateEnvironment(envName, String(options.github.ref_name ?? ''), options);
      if (refusal) return finish('failure', refusal);
    }
    return await withConcurrency(job, workflow, contexts, options, async () => {
      const env = {
        ...interpolateMap(workflow.env, contexts),
        ...interpolateMap(job.env, { ...contexts, env: interpolateMap(workflow.env, contexts) }),
      };
      const temp = mkdtempSync(join(tmpdir(), 'pipeline-job-'));
      try {
        const outcome = await runSteps(job.steps ?? [], {
          jobId: id,
          contexts: { ...contexts, job: { status: 'success' } },
          env,
          defaults: { ...workflow.defaults?.run, ...job.defaults?.run },
          temp,
          options,
          collected,
        });
        record.outputs = interpolateMap(job.outputs, { ...contexts, steps: outcome.steps, env });
        return finish(outcome.failed ? 'failure' : 'success');
      } finally {
        rmSync(temp, { recursive: true, force: true });
      }
    });
  } catch (error) {
    return finish('failure', error instanceof Error ? error.message : String(error));
  }
}

/** A job that calls a local reusable workflow: its jobs run nested, as `<caller> / <job>`. */
async function runCalledWorkflow(
  id: string,
  job: Job,
  contexts: Contexts,
  secrets: Record<string, string>,
  options: EngineOptions,
  collected: Collected,
  record: JobRecord,
  finish: (result: Result, note?: string) => JobRecord,
): Promise<JobRecord> {
  const uses = job.uses!;
  if (!uses.startsWith('./')) return finish('failure', `remote reusable workflow ${uses} cannot run locally`);
  const called = loadWorkflow(resolve(options.repoRoot, uses));
  const given = interpolateMap(job.with, contexts);
  const inputs = callInputs(triggerInputs(called, 'workflow_call'), given, uses);
  const passed = job.secrets === 'inherit' ? secrets : interpolateMap(job.secrets ?? {}, contexts);
  const { outputs, failed } = await runJobs(called, `${id} / `, inputs, passed, options, collected);
  record.outputs = outputs;
  return finish(failed ? 'failure' : 'success', `called ${uses}`);
}

/** Typed inputs of a called workflow: given values, then defaults; a missing required input is an error. */
export function callInputs(
  declared: Record<string, CallInput>,
  given: Record<string, string>,
  where: string,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(given)) if (!declared[key]) problems.push(`unknown input '${key}'`);
  for (const [key, spec] of Object.entries(declared)) {
    const raw = key in given ? given[key] : spec.default;
    if (raw === undefined) {
      if (spec.required) problems.push(`missing required input '${key}'`);
      continue;
    }
    inputs[key] = typed(raw, spec.type);
  }
  if (problems.length) throw new Error(`${where}: ${problems.join(', ')}`);
  return inputs;
}

function typed(raw: unknown, type: string | undefined): unknown {
  if (type === 'boolean') return raw === true || String(raw).toLowerCase() === 'true';
  if (type === 'number') return Number(raw);
  return typeof raw === 'string' ? raw : String(raw);
}

function icon(result: Result): string {
  return { success: '✔', failure: '✖', cancelled: '⊘', skipped: '○' }[result];
}
