import { relative, resolve } from 'node:path';
import {
  evaluateCondition,
  interpolate,
  interpolateDeep,
  interpolateMap,
  interpolateString,
  type Contexts,
} from '../expressions';
import { varsFor } from '../values';
import { ancestors, callOutputs, concurrencyOf, needsOf } from '../workflow';
import { JobRun, type Strategy } from './job-run';
import type { Lease } from './concurrency';
import { expandMatrix, matrixLabel, type Combination } from './matrix';
import { planWorkflow, PlanError, type WorkflowPlan } from './plan';
import type { EngineOptions, NeedsEntry, Result, RunResult } from './types';
import { WorkflowRun, type Scope, type ScopeResult } from './workflow-run';

export { callInputs } from './job-run';
export type { EngineOptions } from './types';

/** Every workflow file the plan calls, at any depth. */
function calledFiles(plan: WorkflowPlan, into = new Set<string>()): Set<string> {
  for (const child of Object.values(plan.called)) calledFiles(child, into.add(child.file));
  return into;
}

/**
 * Runs a workflow file like GitHub: parse → plan (the call tree, refusals) → execute (jobs as their
 * needs finish, matrix instances, environments, concurrency groups), and returns what happened.
 */
export async function runWorkflow(
  path: string,
  inputs: Record<string, unknown>,
  options: EngineOptions,
): Promise<RunResult> {
  const started = Date.now();
  const file = relative(options.repoRoot, resolve(options.repoRoot, path));
  const run: WorkflowRun = new WorkflowRun(options, (scope) => runScope(run, scope));
  const result = (conclusion: RunResult['conclusion'], outputs: Record<string, string> = {}): RunResult => ({
    workflow: file,
    conclusion,
    durationMs: Date.now() - started,
    ...run.collected,
    outputs,
  });

  let plan;
  try {
    plan = planWorkflow(path, options.repoRoot);
    const called = calledFiles(plan);
    const strays = Object.keys(options.assumedWorkflows ?? {}).filter((f) => !called.has(f));
    if (strays.length)
      throw new PlanError(strays.map((f) => `--assume-workflow ${f}: ${file} never calls it`));
  } catch (error) {
    // GitHub refuses such a run at start-up: no job starts.
    const problems = error instanceof PlanError ? error.problems : [String(error)];
    for (const problem of problems) {
      run.annotate('error', '', '', problem);
      run.line(`✖ ${problem}`);
    }
    return result('failure');
  }

  const held = new Set<string>();
  const concurrency = concurrencyOf(plan.workflow.concurrency);
  let lease: Lease | undefined;
  if (concurrency) {
    const contexts: Contexts = { github: options.github, inputs, vars: varsFor(options.values, undefined) };
    const group = interpolateString(concurrency.group, contexts);
    const acquired = await run.concurrency.acquire({
      group,
      label: 'top level workflow',
      cancelInProgress: String(interpolate(concurrency.cancelInProgress, contexts)) === 'true',
      ancestors: held,
      onWait: (holder) =>
        run.line(`concurrency group ${group}: pending behind '${holder.label}' (pid ${holder.pid})`),
    });
    if (acquired.kind === 'cancelled') {
      run.cancel(acquired.reason);
      return result('cancelled');
    }
    lease = acquired.lease;
    lease.watch((reason) => run.cancel(reason));
    held.add(lease.token);
    run.line(`concurrency group ${group}: held by the run`);
  }
  try {
    const scope = await runScope(run, {
      plan,
      prefix: '',
      inputs,
      secrets: { ...options.values.repository.secrets, GITHUB_TOKEN: options.token ?? '' },
      ancestors: held,
    });
    const conclusion = scope.failed ? 'failure' : run.cancelled || scope.cancelled ? 'cancelled' : 'success';
    return result(conclusion, scope.outputs);
  } finally {
    lease?.release();
  }
}

/** Runs one workflow's jobs, each as soon as everything it needs has finished. */
async function runScope(run: WorkflowRun, scope: Scope): Promise<ScopeResult> {
  const { workflow, order } = scope.plan;
  const results: Record<string, NeedsEntry> = {};
  const waiting = [...order];
  const running = new Map<string, Promise<void>>();
  while (waiting.length || running.size) {
    for (const id of [...waiting]) {
      if (!needsOf(workflow.jobs[id]!).every((need) => results[need])) continue;
      waiting.splice(waiting.indexOf(id), 1);
      running.set(
        id,
        runJob(run, scope, id, results).then((entry) => {
          results[id] = entry;
          running.delete(id);
        }),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  const outputs = interpolateMap(
    Object.fromEntries(Object.entries(callOutputs(workflow)).map(([name, o]) => [name, o.value ?? ''])),
    {
      github: run.options.github,
      inputs: scope.inputs,
      vars: varsFor(run.options.values, undefined),
      jobs: results,
    },
  );
  const all = Object.values(results).map((r) => r.result);
  return { jobs: results, outputs, failed: all.includes('failure'), cancelled: all.includes('cancelled') };
}

/** One job: its `if:`, then each instance of its matrix (fail-fast, max-parallel), aggregated for `needs`. */
async function runJob(
  run: WorkflowRun,
  scope: Scope,
  id: string,
  results: Record<string, NeedsEntry>,
): Promise<NeedsEntry> {
  const { workflow } = scope.plan;
  const job = workflow.jobs[id]!;
  const needs = Object.fromEntries(needsOf(job).map((need) => [need, results[need]!]));
  const upstream = [...ancestors(workflow, id)].map((a) => results[a]!.result);
  const contexts: Contexts = {
    github: run.options.github,
    inputs: scope.inputs,
    vars: varsFor(run.options.values, undefined),
    needs,
  };
  /** A job that never starts: one record, with why. */
  const end = (result: 'skipped' | 'failure', note: string): NeedsEntry => {
    const displayId = `${scope.prefix}${id}`;
    run.collected.jobs.push({ id: displayId, name: displayId, result, durationMs: 0, note, outputs: {} });
    run.line(`${result === 'skipped' ? '○' : '✖'} job ${displayId}: ${result} (${note})`);
    return { result, outputs: {} };
  };
  const why = (error: unknown) => (error instanceof Error ? error.message : String(error));

  const failed = upstream.includes('failure');
  const blocked = upstream.some((r) => r !== 'success');
  let go: boolean;
  try {
    go = evaluateCondition(job.if, contexts, { failed, blocked, cancelled: run.cancelled });
  } catch (error) {
    return end('failure', `if: ${why(error)}`);
  }
  if (!go) {
    if (run.cancelled) return end('skipped', 'the run was cancelled');
    return end(
      'skipped',
      job.if !== undefined ? `if: ${String(job.if)} was false` : 'a needed job did not succeed',
    );
  }

  let combinations: (Combination | undefined)[];
  let failFast = true;
  let maxParallel = Infinity;
  try {
    const strategy = job.strategy;
    combinations =
      strategy?.matrix === undefined ? [undefined] : expandMatrix(interpolateDeep(strategy.matrix, contexts));
    if (strategy?.['fail-fast'] !== undefined)
      failFast = String(interpolate(strategy['fail-fast'], contexts)) !== 'false';
    if (strategy?.['max-parallel'] !== undefined)
      maxParallel = Math.max(1, Number(interpolate(strategy['max-parallel'], contexts)));
  } catch (error) {
    return end('failure', `strategy: ${why(error)}`);
  }

  const instances = combinations.map((matrix, index) => {
    const strategy: Strategy = {
      'fail-fast': failFast,
      'job-index': index,
      'job-total': combinations.length,
      'max-parallel': Number.isFinite(maxParallel) ? maxParallel : combinations.length,
    };
    return new JobRun(run, scope, id, job, needs, matrix, strategy, matrix ? matrixLabel(matrix) : '');
  });
  const finished: { result: Result; outputs: Record<string, string> }[] = [];
  let next = 0;
  let stopped: string | undefined;
  const worker = async () => {
    while (next < instances.length) {
      const instance = instances[next++]!;
      if (stopped) {
        run.collected.jobs.push({ ...instance.record, result: 'cancelled', note: stopped });
        finished.push({ result: 'cancelled', outputs: {} });
        continue;
      }
      const record = await instance.execute();
      finished.push({ result: record.result, outputs: record.outputs });
      if (record.result === 'failure' && failFast && instances.length > 1 && !stopped) {
        stopped = `fail-fast: ${instance.displayId} failed`;
        for (const other of instances) if (other !== instance) other.cancel(stopped);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxParallel, instances.length) }, worker));
  return aggregate(finished);
}

/** `needs.<job>` of a matrix job: one result for all instances, outputs merged (a later one wins). */
function aggregate(instances: { result: Result; outputs: Record<string, string> }[]): NeedsEntry {
  const results = instances.map((i) => i.result);
  const result: Result = results.includes('failure')
    ? 'failure'
    : results.includes('cancelled')
      ? 'cancelled'
      : results.every((r) => r === 'skipped')
        ? 'skipped'
        : 'success';
  return { result, outputs: Object.assign({}, ...instances.map((i) => i.outputs)) as Record<string, string> };
}
