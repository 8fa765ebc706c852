import { ConcurrencyTable } from './concurrency';
import type { WorkflowPlan } from './plan';
import type { Annotation, Collected, EngineOptions, NeedsEntry } from './types';

/** One invocation of a workflow: the top-level run, or a called workflow inside a calling job. */
export interface Scope {
  plan: WorkflowPlan;
  /** `<calling job> / ` for a called workflow's jobs. */
  prefix: string;
  inputs: Record<string, unknown>;
  /** The secrets this workflow received: the repository's at top level, what the caller passed when called. */
  secrets: Record<string, string>;
  /** Concurrency groups held by what this workflow runs inside (deadlock detection). */
  ancestors: ReadonlySet<string>;
}

export interface ScopeResult {
  jobs: Record<string, NeedsEntry>;
  outputs: Record<string, string>;
  failed: boolean;
  cancelled: boolean;
}

/** The state one `pipeline run` shares across its jobs and called workflows. */
export class WorkflowRun {
  readonly collected: Collected = { jobs: [], steps: [], summaries: [], annotations: [] };
  readonly concurrency: ConcurrencyTable;
  private readonly controller = new AbortController();

  constructor(
    readonly options: EngineOptions,
    /** Runs a called workflow's jobs (engine.ts; injected to keep the modules acyclic). */
    readonly runCalled: (scope: Scope) => Promise<ScopeResult>,
  ) {
    this.concurrency = options.concurrency ?? new ConcurrencyTable();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Cancels the whole run, as GitHub does (jobs and steps with `always()` still run). */
  cancel(reason: string): void {
    if (this.cancelled) return;
    this.annotate('error', '', '', reason);
    this.options.reporter.line(`⊘ ${reason}`);
    this.controller.abort(reason);
  }

  annotate(level: Annotation['level'], job: string, step: string, message: string): void {
    this.collected.annotations.push({ level, job, step, message: this.options.masker.mask(message) });
  }

  line(text: string): void {
    this.options.reporter.line(text);
  }
}
