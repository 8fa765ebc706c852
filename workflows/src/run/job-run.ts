import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  interpolate,
  interpolateDeep,
  interpolateMap,
  interpolateString,
  type Contexts,
} from '../expressions';
import { environmentSecrets, varsFor } from '../values';
import { concurrencyOf, environmentName, triggerInputs, type CallInput, type Job } from '../workflow';
import { gateEnvironment } from './approval';
import type { Lease } from './concurrency';
import { IMAGE, isHostedUbuntu } from './runner-image';
import { runSteps } from './steps';
import type { JobRecord, NeedsEntry, Result } from './types';
import type { Scope, WorkflowRun } from './workflow-run';

export interface Strategy {
  'fail-fast': boolean;
  'job-index': number;
  'job-total': number;
  'max-parallel': number;
}

/**
 * One job instance (a job, or one combination of its matrix) from start to result: environment,
 * concurrency group, the runner it runs on, its steps, and the outputs it hands to `needs`.
 */
export class JobRun {
  readonly displayId: string;
  readonly record: JobRecord;
  /** The job's environment: workflow env, job env, then what steps write to GITHUB_ENV. */
  env: Record<string, string> = {};
  /** GITHUB_PATH additions, newest first (as the runner prepends them). */
  readonly path: string[] = [];
  temp = '';
  toolCache = '';
  hosted = false;
  contexts: Contexts = {};
  private readonly controller = new AbortController();
  private readonly leases: Lease[] = [];
  private readonly started = Date.now();

  constructor(
    readonly run: WorkflowRun,
    readonly scope: Scope,
    readonly id: string,
    readonly job: Job,
    readonly needs: Record<string, NeedsEntry>,
    readonly matrix: Record<string, unknown> | undefined,
    readonly strategy: Strategy,
    private readonly label: string,
  ) {
    this.displayId = `${scope.prefix}${id}${label ? ` (${label})` : ''}`;
    this.record = { id: this.displayId, name: this.displayId, result: 'success', durationMs: 0, outputs: {} };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  cancel(reason: string): void {
    if (!this.cancelled) this.controller.abort(reason);
  }

  /** Expression contexts every part of the job may read before its steps run. */
  private baseContexts(vars: Record<string, string>): Contexts {
    return {
      github: this.run.options.github,
      inputs: this.scope.inputs,
      vars,
      needs: this.needs,
      matrix: this.matrix ?? null,
      strategy: this.strategy,
    };
  }

  async execute(): Promise<JobRecord> {
    this.run.collected.jobs.push(this.record);
    const onRunCancel = () => {
      if (!/\b(always|cancelled)\s*\(/.test(String(this.job.if ?? '')))
        this.cancel(String(this.run.signal.reason));
    };
    this.run.signal.addEventListener('abort', onRunCancel);
    try {
      const name = this.job.name
        ? interpolateString(this.job.name, this.baseContexts(varsFor(this.run.options.values, undefined)))
        : undefined;
      if (name)
        this.record.name =
          this.matrix && !this.job.name!.includes('matrix.') ? `${name} (${this.label})` : name;
      this.run.line(`\n━━ job ${this.displayId}${name ? ` — ${name}` : ''}`);
      return this.job.uses ? await this.executeCall() : await this.executeSteps();
    } catch (error) {
      return this.finish('failure', error instanceof Error ? error.message : String(error));
    } finally {
      this.run.signal.removeEventListener('abort', onRunCancel);
      for (const lease of this.leases.reverse()) lease.release();
      if (this.temp) rmSync(this.temp, { recursive: true, force: true });
    }
  }

  finish(result: Result, note?: string): JobRecord {
    Object.assign(this.record, { result, note, durationMs: Date.now() - this.started });
    const icon = { success: '✔', failure: '✖', cancelled: '⊘', skipped: '○' }[result];
    this.run.line(`${icon} job ${this.displayId}: ${result}${note ? ` (${note})` : ''}`);
    return this.record;
  }

  /** Acquires a concurrency group; false (and the job cancelled) when GitHub would cancel it. */
  private async hold(spec: Job['concurrency'], contexts: Contexts): Promise<string | undefined> {
    const concurrency = concurrencyOf(spec);
    if (!concurrency) return undefined;
    const group = interpolateString(concurrency.group, contexts);
    const cancelInProgress =
      interpolate(concurrency.cancelInProgress, contexts) === true ||
      interpolate(concurrency.cancelInProgress, contexts) === 'true';
    const acquired = await this.run.concurrency.acquire({
      group,
      label: this.id,
      cancelInProgress,
      ancestors: new Set([...this.scope.ancestors, ...this.leases.map((l) => l.token)]),
      signal: this.signal,
      onWait: (holder) =>
        this.run.line(`  concurrency group ${group}: pending behind '${holder.label}' (pid ${holder.pid})`),
    });
    if (acquired.kind === 'cancelled') {
      if (acquired.reason.includes('deadlock')) this.run.cancel(acquired.reason);
      else this.run.annotate('error', this.displayId, '', acquired.reason);
      this.cancel(acquired.reason);
      return acquired.reason;
    }
    this.leases.push(acquired.lease);
    acquired.lease.watch((reason) => {
      this.run.annotate('error', this.displayId, '', reason);
      this.cancel(reason);
    });
    this.run.line(`  concurrency group ${group}: held`);
    return undefined;
  }

  private async executeSteps(): Promise<JobRecord> {
    const { options } = this.run;
    const pre = this.baseContexts(varsFor(options.values, undefined));
    const environment = environmentName(this.job);
    const envName = environment === undefined ? undefined : interpolateString(environment, pre);
    const vars = varsFor(options.values, envName);
    const secrets: Record<string, string> = {
      ...this.scope.secrets,
      ...environmentSecrets(options.values, envName),
      GITHUB_TOKEN: options.token ?? this.scope.secrets.GITHUB_TOKEN ?? '',
    };
    const contexts: Contexts = { ...this.baseContexts(vars), secrets };

    const refused = await this.hold(this.job.concurrency, contexts);
    if (refused) return this.finish('cancelled', refused);
    if (envName !== undefined) {
      const refusal = await gateEnvironment(
        envName,
        String(options.github.ref_name ?? ''),
        options,
        options.github.ref_type === 'tag' ? 'tag' : 'branch',
      );
      if (refusal) return this.finish('failure', refusal);
    }
    const runsOn = interpolateDeep(this.job['runs-on'], contexts);
    this.hosted = isHostedUbuntu(runsOn);
    if (!this.hosted && /^(windows|macos)-/.test(String(runsOn)))
      return this.finish(
        'failure',
        `runs-on: ${String(runsOn)} is not modelled locally (only ubuntu-* and self-hosted)`,
      );

    const workflowEnv = interpolateMap(this.scope.plan.workflow.env, contexts);
    this.env = { ...workflowEnv, ...interpolateMap(this.job.env, { ...contexts, env: workflowEnv }) };
    this.temp = mkdtempSync(join(tmpdir(), 'pipeline-job-'));
    this.toolCache = join(this.temp, 'toolcache');
    mkdirSync(this.toolCache);
    this.contexts = {
      ...contexts,
      job: { status: 'success' },
      runner: {
        os: 'Linux',
        arch: 'X64',
        temp: this.temp,
        tool_cache: this.toolCache,
        environment: this.hosted ? 'github-hosted' : 'self-hosted',
      },
    };
    if (this.hosted)
      this.run.line(`  runner: GitHub-hosted ${IMAGE.label} (image ${IMAGE.version}): only its tools`);

    const minutes = Number(interpolate(this.job['timeout-minutes'] ?? 360, contexts));
    const timer = setTimeout(
      () => this.cancel(`The job has exceeded the maximum execution time of ${minutes} minutes.`),
      minutes * 60_000,
    );
    timer.unref();
    const outcome = await runSteps(this, this.job.steps ?? [], {
      ...this.scope.plan.workflow.defaults?.run,
      ...this.job.defaults?.run,
    }).finally(() => clearTimeout(timer));

    this.record.outputs = this.jobOutputs({ ...this.contexts, steps: outcome.steps, env: this.env });
    if (this.cancelled) return this.finish('cancelled', String(this.signal.reason ?? ''));
    if (outcome.failed) {
      if (interpolate(this.job['continue-on-error'] ?? false, contexts) === true)
        return this.finish('success', 'a step failed; continue-on-error: true');
      return this.finish('failure');
    }
    return this.finish('success');
  }

  /** Job outputs as the runner sets them: empty ones skipped, any that may contain a secret dropped. */
  private jobOutputs(contexts: Contexts): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [key, value] of Object.entries(interpolateMap(this.job.outputs, contexts))) {
      if (value === '') continue;
      if (this.run.options.masker.mask(value) !== value) {
        const warning = `Skip output '${key}' since it may contain secret.`;
        this.run.annotate('warning', this.displayId, '', warning);
        this.run.line(`  ⚠ warning: ${warning}`);
        continue;
      }
      outputs[key] = value;
    }
    return outputs;
  }

  /** A job that calls a reusable workflow: its jobs run nested, as `<caller> / <job>`. */
  private async executeCall(): Promise<JobRecord> {
    const called = this.scope.plan.called[this.id];
    if (!called) return this.finish('failure', `${this.job.uses}: not planned`);
    const contexts: Contexts = {
      ...this.baseContexts(varsFor(this.run.options.values, undefined)),
      secrets: this.scope.secrets,
    };
    const inputs = callInputs(
      triggerInputs(called.workflow, 'workflow_call'),
      (interpolateDeep(this.job.with ?? {}, contexts) ?? {}) as Record<string, unknown>,
      this.job.uses!,
    );
    const secrets =
      this.job.secrets === 'inherit'
        ? { ...this.scope.secrets }
        : interpolateMap(this.job.secrets ?? {}, contexts);
    if (this.scope.secrets.GITHUB_TOKEN) secrets.GITHUB_TOKEN = this.scope.secrets.GITHUB_TOKEN;

    let refused = await this.hold(this.job.concurrency, contexts);
    // The called workflow's own `concurrency:` applies to the calling job.
    if (!refused)
      refused = await this.hold(called.workflow.concurrency, {
        github: this.run.options.github,
        inputs,
        vars: varsFor(this.run.options.values, undefined),
      });
    if (refused) return this.finish('cancelled', refused);
    const assumed = this.run.options.assumedWorkflows?.[called.file];
    if (assumed) return this.assumeCall(called.file, assumed);

    const result = await this.run.runCalled({
      plan: called,
      prefix: `${this.displayId} / `,
      inputs,
      secrets,
      ancestors: new Set([...this.scope.ancestors, ...this.leases.map((l) => l.token)]),
    });
    this.record.outputs = result.outputs;
    if (result.failed) return this.finish('failure', `called ${this.job.uses}`);
    if (result.cancelled || this.cancelled) return this.finish('cancelled', `called ${this.job.uses}`);
    return this.finish('success', `called ${this.job.uses}`);
  }

  /**
   * A called workflow the operator chose not to run here (`--assume-workflow`, e.g. ci.yml, whose
   * `npm test` is the very suite running this engine): recorded as NOT RUN with the assumed
   * result, so the gate's logic runs for real and the timeline never shows it as passed.
   */
  private assumeCall(file: string, result: 'success' | 'failure'): JobRecord {
    const note = `${file} NOT RUN here: result assumed '${result}' (--assume-workflow)`;
    this.run.line(`  ⚠ ${note}`);
    this.run.collected.steps.push({
      job: this.displayId,
      name: `calls ${file}`,
      status: 'unsupported',
      durationMs: 0,
      note,
    });
    return this.finish(result, note);
  }
}

/** Typed inputs of a called workflow: given values, then defaults; unknown, missing or mistyped is an error. */
export function callInputs(
  declared: Record<string, CallInput>,
  given: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(given)) if (!declared[key]) problems.push(`unknown input '${key}'`);
  for (const [key, spec] of Object.entries(declared)) {
    const raw = key in given ? given[key] : spec.default;
    if (raw === undefined || raw === null) {
      if (spec.required) problems.push(`missing required input '${key}'`);
      else inputs[key] = spec.type === 'boolean' ? false : spec.type === 'number' ? 0 : '';
      continue;
    }
    const value = typed(raw, spec.type);
    if (value === undefined)
      problems.push(`input '${key}' must be a ${spec.type ?? 'string'}, got '${String(raw)}'`);
    else inputs[key] = value;
  }
  if (problems.length) throw new Error(`${where}: ${problems.join(', ')}`);
  return inputs;
}

function typed(raw: unknown, type: string | undefined): unknown {
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const text = String(raw).toLowerCase();
    return text === 'true' ? true : text === 'false' ? false : undefined;
  }
  if (type === 'number') {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim() || 'NaN');
    return Number.isNaN(n) ? undefined : n;
  }
  return typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
}
