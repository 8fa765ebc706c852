import type { Masker } from '../masker';
import type { Values } from '../values';
import type { ApprovalOptions } from './approval';
import type { ConcurrencyTable } from './concurrency';
import type { Reporter } from './reporter';

export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

/** How a step ended. `unsupported` is a third-party action the engine cannot run here: never counted as passed. */
export type StepStatus = Result | 'unsupported';

export interface StepRecord {
  job: string;
  name: string;
  status: StepStatus;
  durationMs: number;
  /** Why it was skipped / failed / mapped (shown in the timeline). */
  note?: string;
}

export interface JobRecord {
  id: string;
  name: string;
  result: Result;
  durationMs: number;
  note?: string;
  outputs: Record<string, string>;
}

export interface SummaryRecord {
  job: string;
  step: string;
  markdown: string;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  job: string;
  step: string;
  message: string;
}

export interface RunResult {
  workflow: string;
  conclusion: 'success' | 'failure' | 'cancelled';
  durationMs: number;
  jobs: JobRecord[];
  steps: StepRecord[];
  summaries: SummaryRecord[];
  annotations: Annotation[];
  /** For a called (reusable) workflow: its `on.workflow_call.outputs`. */
  outputs: Record<string, string>;
}

export interface EngineOptions extends ApprovalOptions {
  repoRoot: string;
  /** The `github` context (event_name, ref, sha, repository, event, ...). */
  github: Record<string, unknown>;
  /** Repository and environment secrets and variables (scoped as on GitHub). */
  values: Values;
  /** The token every job's `secrets.GITHUB_TOKEN` holds. */
  token?: string;
  /** The runner machine's own environment (PATH, HOME, ...): what a self-hosted runner would have. */
  runnerEnv: Record<string, string>;
  masker: Masker;
  reporter: Reporter;
  /** The repository's concurrency groups (shared by every `pipeline run` on this machine). */
  concurrency?: ConcurrencyTable;
  /** Node.js binary for `node24` actions (default: Node 24, see node24.ts). */
  node?: string;
  /**
   * Called workflows NOT run here, each with the result to assume (`--assume-workflow`), keyed by
   * repository-relative path (`.github/workflows/ci.yml`). Shown as ⚠ NOT RUN, never as passed.
   */
  assumedWorkflows?: Record<string, 'success' | 'failure'>;
}

/** What one run collects; called workflows append to the same lists. */
export interface Collected {
  jobs: JobRecord[];
  steps: StepRecord[];
  summaries: SummaryRecord[];
  annotations: Annotation[];
}

/** A job's outcome as `needs.<id>` shows it. */
export interface NeedsEntry {
  result: Result;
  outputs: Record<string, string>;
}
