import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findExpressions } from '../expressions';
import { loadEnvironments } from '../run/environments';
import { planProblems, refuseUnsupported } from '../run/plan';
import {
  callOutputs,
  concurrencyOf,
  loadWorkflow,
  parseWorkflow,
  callSecrets,
  environmentName,
  loadActionMetadata,
  needsOf,
  triggerInputs,
  triggers,
  type Job,
  type Step,
  type Workflow,
} from '../workflow';
import type { Finding } from './finding';
import { missingTools } from './tools';

/** Expressions that carry attacker-controllable or caller-controlled text. */
const PINNED = /^[^@\s]+@[0-9a-f]{40}$/;

/**
 * Our contracts on top of GitHub's schema: local actions and reusable workflows are called
 * with inputs they declare, every output reference points at something that exists, deploy
 * jobs are protected, third-party code is pinned, and no expression is pasted into a script.
 */
export function checkContracts(file: string, text: string, repoRoot: string): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: string, where: string, message: string) => findings.push({ file, rule, where, message });
  let workflow: Workflow;
  try {
    workflow = parseWorkflow(text, file);
  } catch (error) {
    return [
      { file, rule: 'workflow', where: '', message: error instanceof Error ? error.message : String(error) },
    ];
  }

  if (workflow.permissions === undefined)
    for (const [id, job] of Object.entries(workflow.jobs))
      if (job.permissions === undefined)
        add(
          'permissions',
          `jobs.${id}`,
          'declare `permissions:` (least privilege) for the workflow or the job',
        );

  checkPinnedLines(text, add);
  checkInputReferences(workflow, add);
  checkCallOutputs(workflow, add);
  checkPlan(text, repoRoot, add);
  checkDeadlocks(workflow, repoRoot, add);
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const where = `jobs.${id}`;
    const unsupported: string[] = [];
    refuseUnsupported(where, job, unsupported);
    for (const message of unsupported) add('unsupported', where, message.replace(`${where}: `, ''));
    for (const tool of missingTools(id, job))
      add(
        'runner-image',
        `${where}.steps[${tool.step}]${tool.stepName ? ` (${tool.stepName})` : ''}`,
        tool.message,
      );
    checkNeedsReferences(workflow, id, job, repoRoot, add);
    if (job.uses) checkWorkflowCall(where, job, repoRoot, add);
    if (environmentName(job) !== undefined) {
      checkDeployJob(where, job, workflow, add);
      checkEnvironmentDeclared(where, job, repoRoot, add);
    }
    checkSteps(where, job, repoRoot, add);
  }
  return findings;
}

type Add = (rule: string, where: string, message: string) => void;

/** Third-party `uses:` must name a full commit SHA and say which release it is in a comment. */
function checkPinnedLines(text: string, add: Add): void {
  text.split('\n').forEach((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*['"]?([^'"\s#]+)['"]?\s*(#.*)?$/.exec(line);
    if (!match) return;
    const [, uses, comment] = match as unknown as [string, string, string | undefined];
    if (uses.startsWith('./') || uses.startsWith('docker://')) return;
    const where = `line ${index + 1}`;
    if (!PINNED.test(uses)) add('pin', where, `${uses} is not pinned to a full 40-character commit SHA`);
    else if (!comment || !/v?\d+(\.\d+)*/.test(comment))
      add('pin', where, `${uses} needs a version comment, e.g. # v4.2.2`);
  });
}

function checkDeployJob(where: string, job: Job, workflow: Workflow, add: Add): void {
  const concurrency = job.concurrency ?? workflow.concurrency;
  if (!concurrency) {
    add(
      'deploy-concurrency',
      where,
      'a job with `environment:` needs a `concurrency:` group so two deploys never overlap',
    );
    return;
  }
  const cancel =
    typeof concurrency === 'string'
      ? false
      : (concurrency as { 'cancel-in-progress'?: unknown })['cancel-in-progress'];
  if (cancel !== undefined && cancel !== false)
    add(
      'deploy-concurrency',
      where,
      'a deploy job must not use `cancel-in-progress` (a newer run would kill a deploy midway)',
    );
}

function checkWorkflowCall(where: string, job: Job, repoRoot: string, add: Add): void {
  const uses = job.uses!;
  if (!uses.startsWith('./')) return;
  const path = resolve(repoRoot, uses);
  if (!existsSync(path)) {
    add('reusable-workflow', where, `${uses} does not exist`);
    return;
  }
  const called = loadWorkflow(path);
  if (!triggers(called).workflow_call)
    add('reusable-workflow', where, `${uses} is not callable (no on.workflow_call)`);
  const declared = triggerInputs(called, 'workflow_call');
  const given = job.with ?? {};
  for (const key of Object.keys(given))
    if (!declared[key]) add('unknown-input', where, `${uses} has no input '${key}'`);
  for (const [key, spec] of Object.entries(declared))
    if (spec.required && spec.default === undefined && !(key in given))
      add('missing-input', where, `${uses} requires input '${key}'`);
  const secrets = callSecrets(called);
  if (job.secrets && job.secrets !== 'inherit') {
    for (const key of Object.keys(job.secrets))
      if (!secrets[key]) add('unknown-secret', where, `${uses} declares no secret '${key}'`);
    for (const [key, spec] of Object.entries(secrets))
      if (spec.required && !(key in job.secrets))
        add('missing-secret', where, `${uses} requires secret '${key}'`);
  }
}

function checkSteps(jobWhere: string, job: Job, repoRoot: string, add: Add): void {
  const steps = job.steps ?? [];
  const seen = new Map<string, Step>();
  let checkedOut = false;
  steps.forEach((step, index) => {
    const where = `${jobWhere}.steps[${index}]${step.name ? ` (${step.name})` : ''}`;
    for (const ref of stepReferences(step)) checkStepReference(ref, seen, where, repoRoot, add);
    if (step.run !== undefined && findExpressions(String(step.run)).length)
      add(
        'run-injection',
        where,
        'a `run:` script interpolates `${{ }}`: pass the value through `env:` and use "$VAR"',
      );
    if (step.uses?.startsWith('./')) {
      // The runner looks for a local action in the workspace, which is empty until a checkout.
      if (!checkedOut)
        add('checkout-first', where, `${step.uses} needs an actions/checkout step before it in this job`);
      checkActionCall(where, step, repoRoot, add);
    }
    if (step.uses?.startsWith('actions/checkout@')) checkedOut = true;
    if (step.uses?.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false)
      add('checkout-credentials', where, 'actions/checkout needs `persist-credentials: false`');
    if (step.id) {
      if (seen.has(step.id)) add('step-id', where, `duplicate step id '${step.id}'`);
      seen.set(step.id, step);
    }
  });
  for (const [name, value] of Object.entries(job.outputs ?? {}))
    for (const ref of references(String(value), /\bsteps\.([\w-]+)\.(outputs\.([\w-]+)|outcome|conclusion)/g))
      checkStepReference(ref, seen, `${jobWhere}.outputs.${name}`, repoRoot, add);
}

function checkActionCall(where: string, step: Step, repoRoot: string, add: Add): void {
  const metadata = loadActionMetadata(resolve(repoRoot, step.uses!));
  if (!metadata) {
    add('local-action', where, `${step.uses} has no action.yml`);
    return;
  }
  const declared = metadata.inputs ?? {};
  const given = step.with ?? {};
  for (const key of Object.keys(given))
    if (!(key in declared)) add('unknown-input', where, `${step.uses} has no input '${key}'`);
  for (const [key, spec] of Object.entries(declared))
    if (spec.required && spec.default === undefined && !(key in given))
      add('missing-input', where, `${step.uses} requires input '${key}'`);
}

interface Reference {
  id: string;
  output?: string;
}

function stepReferences(step: Step): Reference[] {
  const texts = [
    ...strings(step.with),
    ...strings(step.env),
    ...strings(step.run),
    ...strings(step.name),
    ...strings(step['continue-on-error']),
  ];
  const ifText = step.if === undefined ? [] : [`\${{ ${String(step.if).replace(/^\$\{\{|\}\}$/g, '')} }}`];
  return [...texts, ...ifText].flatMap((text) =>
    references(text, /\bsteps\.([\w-]+)\.(outputs\.([\w-]+)|outcome|conclusion)/g),
  );
}

function references(text: string, pattern: RegExp): Reference[] {
  let spans: { expression: string }[];
  try {
    spans = findExpressions(text);
  } catch {
    return [];
  }
  return spans.flatMap(({ expression }) =>
    [...expression.matchAll(pattern)].map((m) => ({ id: m[1]!, output: m[3] })),
  );
}

function checkStepReference(
  ref: Reference,
  earlier: Map<string, Step>,
  where: string,
  repoRoot: string,
  add: Add,
): void {
  const target = earlier.get(ref.id);
  if (!target) {
    add('output-reference', where, `steps.${ref.id} is not an earlier step of this job`);
    return;
  }
  if (!ref.output) return;
  const known = stepOutputs(target, repoRoot);
  if (known && !known.includes(ref.output))
    add(
      'output-reference',
      where,
      `steps.${ref.id}.outputs.${ref.output}: '${ref.id}' has no output '${ref.output}' (it has: ${known.join(', ') || 'none'})`,
    );
}

/** Outputs a step is known to produce; undefined when they cannot be known (third-party actions). */
function stepOutputs(step: Step, repoRoot: string): string[] | undefined {
  if (step.uses?.startsWith('./')) {
    // A missing action.yml is reported once, by the local-action rule.
    const metadata = loadActionMetadata(resolve(repoRoot, step.uses));
    return metadata ? Object.keys(metadata.outputs ?? {}) : undefined;
  }
  if (step.run !== undefined) {
    const script = String(step.run);
    if (!script.includes('GITHUB_OUTPUT')) return [];
    // Names written with `echo "name=..."` / `echo "name<<EOF"`; a computed name makes them unknowable.
    if (/echo\s+["']?\$/.test(script)) return undefined;
    return [...script.matchAll(/echo\s+["']?([A-Za-z_][\w-]*)(?:=|<<)/g)].map((m) => m[1]!);
  }
  return undefined;
}

function checkNeedsReferences(workflow: Workflow, id: string, job: Job, repoRoot: string, add: Add): void {
  const needs = needsOf(job);
  for (const need of needs)
    if (!workflow.jobs[need]) add('needs', `jobs.${id}`, `needs unknown job '${need}'`);
  for (const ref of references(
    strings(job).join('\n'),
    /\bneeds\.([\w-]+)\.(outputs\.([\w-]+)|result)/g,
  ).concat(
    job.if === undefined
      ? []
      : references(
          `\${{ ${String(job.if).replace(/^\$\{\{|\}\}$/g, '')} }}`,
          /\bneeds\.([\w-]+)\.(outputs\.([\w-]+)|result)/g,
        ),
  )) {
    if (!needs.includes(ref.id)) {
      add('output-reference', `jobs.${id}`, `needs.${ref.id} is used but '${ref.id}' is not in needs:`);
      continue;
    }
    const target = workflow.jobs[ref.id];
    if (!target || !ref.output) continue;
    const outputs = jobOutputs(target, repoRoot);
    if (!outputs.includes(ref.output))
      add(
        'output-reference',
        `jobs.${id}`,
        `needs.${ref.id}.outputs.${ref.output}: job '${ref.id}' has no output '${ref.output}' (it has: ${outputs.join(', ') || 'none'})`,
      );
  }
}

function jobOutputs(job: Job, repoRoot: string): string[] {
  if (job.uses?.startsWith('./')) {
    const path = resolve(repoRoot, job.uses);
    return existsSync(path) ? Object.keys(callOutputs(loadWorkflow(path))) : [];
  }
  return Object.keys(job.outputs ?? {});
}

function checkCallOutputs(workflow: Workflow, add: Add): void {
  for (const [name, output] of Object.entries(callOutputs(workflow)))
    for (const ref of references(String(output.value ?? ''), /\bjobs\.([\w-]+)\.(outputs\.([\w-]+))/g)) {
      const job = workflow.jobs[ref.id];
      const outputName = ref.output ?? '';
      if (!job) add('output-reference', `on.workflow_call.outputs.${name}`, `jobs.${ref.id} does not exist`);
      else if (!(outputName in (job.outputs ?? {})))
        add(
          'output-reference',
          `on.workflow_call.outputs.${name}`,
          `job '${ref.id}' has no output '${outputName}'`,
        );
    }
}

/** `inputs.<name>` must be declared by workflow_call or workflow_dispatch. */
function checkInputReferences(workflow: Workflow, add: Add): void {
  const declared = new Set([
    ...Object.keys(triggerInputs(workflow, 'workflow_call')),
    ...Object.keys(triggerInputs(workflow, 'workflow_dispatch')),
  ]);
  for (const [id, job] of Object.entries(workflow.jobs))
    for (const ref of references(strings(job).join('\n'), /\binputs\.([\w-]+)()/g))
      if (!declared.has(ref.id))
        add('input-reference', `jobs.${id}`, `inputs.${ref.id} is not a declared input of this workflow`);
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** What GitHub refuses at start-up (permission ceilings of called workflows), from the run's own plan. */
function checkPlan(text: string, repoRoot: string, add: Add): void {
  // The plan reads files; check the text as given (a broken copy in a test is not on disk).
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-check-'));
  const path = join(dir, 'workflow.yml');
  writeFileSync(path, text);
  for (const problem of planProblems(path, repoRoot))
    if (problem.startsWith('Error calling workflow')) add('permissions', 'jobs', problem);
}

/**
 * GitHub's concurrency groups are repository-wide: a job (or a called workflow's job) that asks for
 * the group its own run holds is cancelled as a deadlock. Groups are compared as written, with a
 * called workflow's `${{ inputs.x }}` replaced by the literal the caller passes.
 */
function checkDeadlocks(workflow: Workflow, repoRoot: string, add: Add): void {
  const top = concurrencyOf(workflow.concurrency)?.group;
  if (top === undefined) return;
  const norm = (group: string) => group.replace(/\$\{\{\s*(.*?)\s*\}\}/g, '${{ $1 }}');
  const message = (requester: string) =>
    `concurrency group '${top}' is held by the workflow and requested by '${requester}': GitHub cancels the run ("Canceling since a deadlock for concurrency group ... was detected between 'top level workflow' and '${requester}'")`;
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const own = concurrencyOf(job.concurrency)?.group;
    if (own !== undefined && norm(own) === norm(top)) add('deadlock', `jobs.${id}`, message(id));
    if (!job.uses?.startsWith('./')) continue;
    const path = resolve(repoRoot, job.uses);
    if (!existsSync(path)) continue;
    const called = loadWorkflow(path);
    const given = (job.with ?? {}) as Record<string, unknown>;
    const substitute = (group: string) =>
      norm(group).replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (whole, name: string) =>
        typeof given[name] === 'string' && !String(given[name]).includes('${{') ? String(given[name]) : whole,
      );
    const embedded = concurrencyOf(called.concurrency)?.group;
    if (embedded !== undefined && substitute(embedded) === norm(top))
      add('deadlock', `jobs.${id}`, message(id));
    for (const [nestedId, nested] of Object.entries(called.jobs)) {
      const group = concurrencyOf(nested.concurrency)?.group;
      if (group !== undefined && substitute(group) === norm(top))
        add('deadlock', `jobs.${id}`, message(`${id} / ${nestedId}`));
    }
  }
}

/** A literal environment name must be declared in workflows/environments.yml (with its rules). */
function checkEnvironmentDeclared(where: string, job: Job, repoRoot: string, add: Add): void {
  const name = String(environmentName(job));
  if (name.includes('${{')) return;
  const declared = loadEnvironments(join(repoRoot, 'workflows', 'environments.yml')).environments;
  if (!declared[name])
    add(
      'environment',
      where,
      `environment '${name}' is not declared in workflows/environments.yml: GitHub would create it without protection rules`,
    );
}
