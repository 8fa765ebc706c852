import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The parts of a workflow file the engine and the checks read (plain YAML values). */
export interface Workflow {
  name?: string;
  on?: unknown;
  env?: Record<string, unknown>;
  permissions?: unknown;
  concurrency?: string | { group: string; 'cancel-in-progress'?: unknown };
  defaults?: { run?: { shell?: string; 'working-directory'?: string } };
  jobs: Record<string, Job>;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: unknown;
  'runs-on'?: unknown;
  environment?: string | { name: string; url?: string };
  concurrency?: string | { group: string; 'cancel-in-progress'?: unknown };
  permissions?: unknown;
  env?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  steps?: Step[];
  'timeout-minutes'?: number;
  'continue-on-error'?: unknown;
  defaults?: { run?: { shell?: string; 'working-directory'?: string } };
  /** A reusable-workflow call. */
  uses?: string;
  with?: Record<string, unknown>;
  secrets?: 'inherit' | Record<string, unknown>;
  strategy?: Strategy;
  /** Not run locally: refused by `check` and `run` (see plan.ts). */
  services?: unknown;
  container?: unknown;
}

export interface Strategy {
  matrix?: unknown;
  'fail-fast'?: unknown;
  'max-parallel'?: unknown;
}

export interface Step {
  id?: string;
  name?: string;
  if?: unknown;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  shell?: string;
  'working-directory'?: string;
  'continue-on-error'?: unknown;
  'timeout-minutes'?: number;
}

export interface CallInput {
  description?: string;
  required?: boolean;
  default?: unknown;
  type?: string;
  options?: string[];
}

/** The one YAML model of a workflow, shared by `check` and `run`. */
export function parseWorkflow(text: string, name: string): Workflow {
  const parsed = parse(text) as Workflow | null;
  if (!parsed || typeof parsed !== 'object' || !parsed.jobs || typeof parsed.jobs !== 'object')
    throw new Error(`${name} is not a workflow (no jobs:)`);
  return parsed;
}

export function loadWorkflow(path: string): Workflow {
  return parseWorkflow(readFileSync(path, 'utf8'), path);
}

/** The concurrency setting as GitHub reads it: a group string or `{group, cancel-in-progress}`. */
export function concurrencyOf(
  spec: Workflow['concurrency'],
): { group: string; cancelInProgress: unknown } | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (typeof spec === 'string') return { group: spec, cancelInProgress: false };
  return { group: String(spec.group), cancelInProgress: spec['cancel-in-progress'] ?? false };
}

/** The `on:` triggers as a map (GitHub accepts a string, a list or a map). */
export function triggers(workflow: Workflow): Record<string, Record<string, unknown>> {
  const on = workflow.on;
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((event) => [String(event), {}]));
  if (on && typeof on === 'object')
    return Object.fromEntries(
      Object.entries(on).map(([event, config]) => [event, (config ?? {}) as Record<string, unknown>]),
    );
  return {};
}

export function triggerInputs(
  workflow: Workflow,
  event: 'workflow_call' | 'workflow_dispatch',
): Record<string, CallInput> {
  return (triggers(workflow)[event]?.inputs ?? {}) as Record<string, CallInput>;
}

export function callOutputs(workflow: Workflow): Record<string, { value?: string; description?: string }> {
  return (triggers(workflow).workflow_call?.outputs ?? {}) as Record<string, { value?: string }>;
}

export function callSecrets(workflow: Workflow): Record<string, { required?: boolean }> {
  return (triggers(workflow).workflow_call?.secrets ?? {}) as Record<string, { required?: boolean }>;
}

export function needsOf(job: Job): string[] {
  if (!job.needs) return [];
  return Array.isArray(job.needs) ? job.needs.map(String) : [String(job.needs)];
}

export function environmentName(job: Job): unknown {
  if (!job.environment) return undefined;
  return typeof job.environment === 'string' ? job.environment : job.environment.name;
}

/** Jobs in an order that respects `needs`; throws on unknown needs and cycles. */
export function jobOrder(workflow: Workflow): string[] {
  const ids = Object.keys(workflow.jobs);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`Job dependency cycle: ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const need of needsOf(workflow.jobs[id]!)) {
      if (!workflow.jobs[need]) throw new Error(`Job '${id}' needs unknown job '${need}'`);
      visit(need, [...path, id]);
    }
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of ids) visit(id, []);
  return order;
}

/** Every job that `id` depends on, directly or through other jobs. */
export function ancestors(workflow: Workflow, id: string): Set<string> {
  const seen = new Set<string>();
  const walk = (job: string) => {
    for (const need of needsOf(workflow.jobs[job]!)) {
      if (seen.has(need)) continue;
      seen.add(need);
      walk(need);
    }
  };
  walk(id);
  return seen;
}

/** A local action's metadata (`./actions/<name>/action.yml`). */
export interface ActionMetadata {
  name?: string;
  inputs?: Record<
    string,
    { description?: string; required?: boolean; default?: unknown; deprecationMessage?: string }
  >;
  outputs?: Record<string, { description?: string; value?: string }>;
  runs: { using: string; main?: string; pre?: string; post?: string; steps?: Step[]; 'post-if'?: string };
}

export function loadActionMetadata(dir: string): ActionMetadata | undefined {
  for (const file of ['action.yml', 'action.yaml']) {
    const path = join(dir, file);
    if (existsSync(path)) return parse(readFileSync(path, 'utf8')) as ActionMetadata;
  }
  return undefined;
}

/** Local references (`./...`) are resolved against the repository root, like the runner's workspace. */
export function isLocal(uses: string): boolean {
  return uses.startsWith('./');
}
