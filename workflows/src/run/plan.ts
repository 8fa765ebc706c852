import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { jobOrder, loadWorkflow, triggers, type Job, type Workflow } from '../workflow';
import { ceilingViolation, parsePermissions, RESTRICTED_DEFAULT, type Permissions } from './permissions';

/**
 * The plan of a run, made before any job starts: every workflow of the call tree loaded, jobs in
 * `needs` order, and everything GitHub refuses at start-up refused here too (unknown needs, cycles,
 * permission ceilings of called workflows, keys the engine does not run). Matrix combinations,
 * environments and concurrency groups depend on values known only as jobs finish; they are
 * expanded by the scheduler (engine.ts) from this plan.
 */
export interface WorkflowPlan {
  /** Path relative to the repository root. */
  file: string;
  workflow: Workflow;
  order: string[];
  /** For each job that calls a reusable workflow: that workflow's plan. */
  called: Record<string, WorkflowPlan>;
}

export class PlanError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** GitHub's limit on nesting reusable workflows (a caller plus nine levels). */
const MAX_DEPTH = 10;

export function planWorkflow(path: string, repoRoot: string): WorkflowPlan {
  const problems: string[] = [];
  const plan = planFile(resolve(repoRoot, path), repoRoot, problems, undefined, 1);
  if (problems.length || !plan) throw new PlanError(problems);
  return plan;
}

/** The plan's problems as a list (empty: the run may start); used by `pipeline check`. */
export function planProblems(path: string, repoRoot: string): string[] {
  try {
    planWorkflow(path, repoRoot);
    return [];
  } catch (error) {
    return error instanceof PlanError ? error.problems : [String(error)];
  }
}

interface Ceiling {
  uses: string;
  permissions: Permissions;
}

function planFile(
  absolute: string,
  repoRoot: string,
  problems: string[],
  ceiling: Ceiling | undefined,
  depth: number,
): WorkflowPlan | undefined {
  const file = relative(repoRoot, absolute);
  let workflow: Workflow;
  try {
    workflow = loadWorkflow(absolute);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    return undefined;
  }
  let order: string[] = [];
  try {
    order = jobOrder(workflow);
  } catch (error) {
    problems.push(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rootPermissions = permissionsOf(workflow.permissions, `${file}: permissions`, problems);
  if (ceiling && rootPermissions) {
    const violation = ceilingViolation(ceiling.uses, rootPermissions, ceiling.permissions);
    if (violation) problems.push(violation);
  }
  const called: Record<string, WorkflowPlan> = {};
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const where = `${file}: jobs.${id}`;
    refuseUnsupported(where, job, problems);
    const own = permissionsOf(job.permissions, `${where}.permissions`, problems);
    if (ceiling && own) {
      const violation = ceilingViolation(ceiling.uses, own, ceiling.permissions, id);
      if (violation) problems.push(violation);
    }
    if (!job.uses) continue;
    const target = resolveCall(job.uses, repoRoot, where, problems);
    if (!target) continue;
    if (depth >= MAX_DEPTH) {
      problems.push(`${where}: reusable workflows nest at most ${MAX_DEPTH} levels deep`);
      continue;
    }
    // The calling job's permissions (its own, else its workflow's, else what its caller allowed,
    // else the repository default) are the ceiling of everything the called workflow runs.
    const effective = own ?? rootPermissions ?? ceiling?.permissions ?? RESTRICTED_DEFAULT;
    const plan = planFile(target, repoRoot, problems, { uses: job.uses, permissions: effective }, depth + 1);
    if (plan) called[id] = plan;
  }
  return { file, workflow, order, called };
}

function permissionsOf(value: unknown, where: string, problems: string[]): Permissions | undefined {
  try {
    return parsePermissions(value);
  } catch (error) {
    problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function resolveCall(uses: string, repoRoot: string, where: string, problems: string[]): string | undefined {
  if (!uses.startsWith('./')) {
    problems.push(`${where}: remote reusable workflow ${uses} cannot run locally (only ./ paths)`);
    return undefined;
  }
  const target = resolve(repoRoot, uses.replace(/@.*$/, ''));
  if (!existsSync(target)) {
    problems.push(`${where}: ${uses} does not exist`);
    return undefined;
  }
  try {
    if (!triggers(loadWorkflow(target)).workflow_call) {
      problems.push(`${where}: ${uses} is not a reusable workflow (no on.workflow_call)`);
      return undefined;
    }
  } catch (error) {
    problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  return target;
}

/** Keys the engine cannot honour are refused, never dropped. */
export function refuseUnsupported(where: string, job: Job, problems: string[]): void {
  if (job.services !== undefined)
    problems.push(
      `${where}: \`services:\` is not supported by the local engine (service containers are not run here); ` +
        'start the service in a step, or run this job on GitHub',
    );
  if (job.container !== undefined)
    problems.push(
      `${where}: \`container:\` is not supported by the local engine (jobs run on the runner itself here); ` +
        'run this job on GitHub',
    );
}
