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
  conclusion: 'success' | 'failure';
  durationMs: number;
  jobs: JobRecord[];
  steps: StepRecord[];
  summaries: SummaryRecord[];
  annotations: Annotation[];
  /** For a called (reusable) workflow: its `on.workflow_call.outputs`. */
  outputs: Record<string, string>;
}
