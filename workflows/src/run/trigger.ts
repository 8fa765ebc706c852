import { randomUUID } from 'node:crypto';
import { triggerInputs, triggers, type Workflow } from '../workflow';
import { branchMatches } from './branches';

export interface TriggerOptions {
  event: string;
  ref: string;
  sha: string;
  repository: string;
  actor: string;
  inputs: Record<string, string>;
  /** For `schedule`: which cron fired (a workflow may have several). */
  schedule?: string;
  workspace: string;
  workflowPath: string;
}

/**
 * Builds the `github` context for an event and checks that the event would trigger the
 * workflow on GitHub (right event, branch filters, dispatch inputs): a run GitHub would never
 * start is refused rather than rehearsed.
 */
export function buildTrigger(
  workflow: Workflow,
  options: TriggerOptions,
): { github: Record<string, unknown>; inputs: Record<string, unknown> } {
  const on = triggers(workflow);
  const config = on[options.event];
  if (!config)
    throw new Error(
      `${options.workflowPath} is not triggered by '${options.event}' (it has: ${Object.keys(on).join(', ')})`,
    );
  const refName = options.ref.replace(/^refs\/(heads|tags)\//, '');
  const refType = options.ref.startsWith('refs/tags/') ? 'tag' : 'branch';
  const problems: string[] = [];
  let inputs: Record<string, unknown> = {};
  const event: Record<string, unknown> = { ref: options.ref, repository: { full_name: options.repository } };

  if (options.event === 'push' || options.event === 'pull_request') {
    const branches = config.branches as string[] | undefined;
    if (refType === 'branch' && branches && !branches.some((b) => branchMatches(b, refName)))
      problems.push(`a ${options.event} to '${refName}' does not match branches: [${branches.join(', ')}]`);
    // GitHub: a filter on branches only never fires for tags (and one on tags only, never for branches).
    const tags = config.tags as string[] | undefined;
    if (options.event === 'push' && refType === 'tag' && branches && !tags)
      problems.push(
        `a push of tag '${refName}': the workflow filters branches only, so tags never trigger it`,
      );
    if (options.event === 'push' && refType === 'tag' && tags && !tags.some((t) => branchMatches(t, refName)))
      problems.push(`a push of tag '${refName}' does not match tags: [${tags.join(', ')}]`);
    if (options.event === 'push' && refType === 'branch' && tags && !branches)
      problems.push(
        `a push to branch '${refName}': the workflow filters tags only, so branches never trigger it`,
      );
    Object.assign(event, {
      after: options.sha,
      head_commit: { id: options.sha, message: 'local rehearsal' },
    });
  }
  if (options.event === 'schedule') {
    const crons = ((config as unknown as { cron: string }[]) ?? []).map((s) => s.cron);
    const schedule = options.schedule ?? crons[0];
    if (!schedule || !crons.includes(schedule))
      problems.push(`schedule '${options.schedule}' is not one of: ${crons.join(' | ')}`);
    event.schedule = schedule;
  }
  if (options.event === 'workflow_dispatch') {
    inputs = dispatchInputs(workflow, options.inputs, problems);
    // `inputs.flag` keeps the declared type; the event payload (`github.event.inputs.flag`) holds strings.
    event.inputs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)]));
  } else if (Object.keys(options.inputs).length) problems.push(`--input is only for workflow_dispatch`);
  if (problems.length) throw new Error(`Refusing to run ${options.workflowPath}: ${problems.join('; ')}`);

  const [owner = 'local'] = options.repository.split('/');
  const github = {
    event_name: options.event,
    event,
    ref: options.ref,
    ref_name: refName,
    ref_type: refType,
    sha: options.sha,
    repository: options.repository,
    repository_owner: owner,
    actor: options.actor,
    triggering_actor: options.actor,
    workflow: workflow.name ?? options.workflowPath,
    workspace: options.workspace,
    run_id: String(Date.now()),
    run_number: '1',
    run_attempt: '1',
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    head_ref: '',
    base_ref: '',
    action: randomUUID().slice(0, 8),
  };
  return { github, inputs };
}

function dispatchInputs(
  workflow: Workflow,
  given: Record<string, string>,
  problems: string[],
): Record<string, unknown> {
  const declared = triggerInputs(workflow, 'workflow_dispatch');
  const inputs: Record<string, unknown> = {};
  for (const key of Object.keys(given)) if (!declared[key]) problems.push(`unknown input '${key}'`);
  for (const [key, spec] of Object.entries(declared)) {
    const value = given[key] ?? (spec.default === undefined ? undefined : String(spec.default));
    if (value === undefined || value === '') {
      if (spec.required) problems.push(`missing required input '${key}' (--input ${key}=...)`);
      if (value === undefined) continue;
    }
    if (spec.type === 'choice' && spec.options && !spec.options.includes(value))
      problems.push(`input '${key}' must be one of ${spec.options.join(', ')}`);
    if (spec.type === 'boolean' && !['true', 'false'].includes(value))
      problems.push(`input '${key}' must be true or false`);
    inputs[key] = spec.type === 'boolean' ? value === 'true' : spec.type === 'number' ? Number(value) : value;
  }
  return inputs;
}
