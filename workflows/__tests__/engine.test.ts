import { describe, expect, it } from 'vitest';
import { callInputs } from '../src/run/engine';
import { jobOrder, type Workflow } from '../src/workflow';
import { jobResult, runFixture, stepStatus } from './helpers';

describe('needs ordering', () => {
  it('orders jobs after what they need and rejects cycles and unknown jobs', () => {
    const jobs = (spec: Record<string, string[]>): Workflow => ({
      jobs: Object.fromEntries(Object.entries(spec).map(([id, needs]) => [id, { needs }])),
    });
    const order = jobOrder(jobs({ c: ['b'], b: ['a'], a: [], d: ['a', 'c'] }));
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'));
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'));
    expect(() => jobOrder(jobs({ a: ['b'], b: ['a'] }))).toThrow(/cycle: a → b → a/);
    expect(() => jobOrder(jobs({ a: ['nope'] }))).toThrow(/unknown job 'nope'/);
  });
});

describe('outputs, env, path and summaries', () => {
  it('carries step outputs (incl. heredoc), GITHUB_ENV and GITHUB_PATH to later steps and job outputs to needs', async () => {
    const run = await runFixture('basic.yml', { greeting: 'hi' });
    expect(run.result.conclusion).toBe('success');
    expect(run.printed).toContain('word is hi-wf');
    expect(run.printed).toContain('second ok');
    expect(run.result.jobs.find((j) => j.id === 'first')?.outputs).toEqual({
      word: 'hi-wf',
      multi: 'line1\nline2',
    });
    expect(run.result.summaries).toEqual([{ job: 'first', step: 'make', markdown: '### hello summary\n' }]);
  });
});

describe('if: status functions', () => {
  it('skips after a failure, runs failure()/always() steps and jobs, and fails the run like GitHub', async () => {
    const run = await runFixture('statuses.yml');
    expect(run.result.conclusion).toBe('failure');
    expect(stepStatus(run, 'breaks', 'skipped after failure')).toBe('skipped');
    expect(stepStatus(run, 'breaks', 'runs on failure')).toBe('success');
    expect(stepStatus(run, 'breaks', 'always runs')).toBe('success');
    expect(stepStatus(run, 'breaks', 'outcome visible')).toBe('success');
    expect(run.printed).not.toContain('never-printed');
    expect(run.printed).not.toContain('should-not-run');
    expect(jobResult(run, 'breaks')).toBe('failure');
    expect(jobResult(run, 'after-failure')).toBe('skipped');
    expect(jobResult(run, 'downstream')).toBe('skipped');
    expect(jobResult(run, 'cleanup')).toBe('success');
    expect(run.printed).toContain('breaks=failure after=skipped');
  });

  it('runs scripts like the runner: no shell → bash -e (no pipefail); shell: bash → -o pipefail', async () => {
    const run = await runFixture('pipefail.yml');
    expect(jobResult(run, 'default')).toBe('success');
    expect(jobResult(run, 'explicit')).toBe('failure');
  });
});

describe('reusable workflows', () => {
  it('passes with:, inherits secrets and maps workflow_call outputs to the caller', async () => {
    const run = await runFixture('caller.yml', {}, { secrets: { API_TOKEN: 'tok-canary-123' } });
    expect(run.result.conclusion).toBe('success');
    expect(jobResult(run, 'call / deploy')).toBe('success');
    expect(run.result.jobs.find((j) => j.id === 'call')?.outputs).toEqual({ url: 'https://staging.example' });
    expect(run.printed).toContain('called ok');
    expect(run.printed).toContain('token is ***');
    expect(run.printed).not.toContain('tok-canary-123');
  });

  it('types inputs and refuses unknown or missing ones', () => {
    const declared = { n: { type: 'number' }, b: { type: 'boolean', default: false }, s: { required: true } };
    expect(callInputs(declared, { n: '3', s: 'x' }, 'w')).toEqual({ n: 3, b: false, s: 'x' });
    expect(() => callInputs(declared, { zz: '1' }, 'w')).toThrow(
      /unknown input 'zz'.*missing required input 's'/,
    );
  });
});

describe('masking', () => {
  it('masks secrets and ::add-mask:: values in logs and summaries, and reports unsupported actions loudly', async () => {
    const run = await runFixture('masking.yml', {}, { secrets: { CANARY: 'canary-secret-value' } });
    expect(run.printed).toContain('direct: ***');
    expect(run.printed).toContain('derived: ***');
    expect(run.printed).not.toMatch(/derived-\d+-value/);
    expect(run.printed).not.toContain('canary-secret-value');
    expect(run.printed).not.toContain('::add-mask::');
    expect(run.result.summaries[0]?.markdown).toBe('summary ***\n');
    expect(stepStatus(run, 'leak', 'actions/setup-node@49933ea')).toBe('unsupported');
    expect(run.printed).toContain('NOT RUN');
    expect(stepStatus(run, 'leak', 'actions/checkout@08eba0b')).toBe('success');
  });
});

describe('approval gate', () => {
  const environments = {
    environments: {
      production: { reviewers: { users: ['alice'] }, 'deployment-branches': ['main'] },
      staging: { 'deployment-branches': ['main', 'develop'] },
    },
  };

  it('refuses a protected environment without approval and never runs its steps', async () => {
    const run = await runFixture('gated.yml', {}, { environments });
    expect(jobResult(run, 'deploy')).toBe('failure');
    expect(run.result.jobs.find((j) => j.id === 'deploy')?.note).toMatch(
      /requires approval: rerun with --approve production/,
    );
    expect(run.printed).not.toContain('  │ deployed');
    expect(jobResult(run, 'open')).toBe('success');
    expect(run.result.conclusion).toBe('failure');
  });

  it('deploys with --approve, or with an interactive yes, and refuses an interactive no', async () => {
    const approved = await runFixture('gated.yml', {}, { environments, approved: new Set(['production']) });
    expect(approved.result.conclusion).toBe('success');
    expect(approved.printed).toContain('  │ deployed');
    const yes = await runFixture('gated.yml', {}, { environments, confirm: async () => true });
    expect(jobResult(yes, 'deploy')).toBe('success');
    const no = await runFixture('gated.yml', {}, { environments, confirm: async () => false });
    expect(jobResult(no, 'deploy')).toBe('failure');
  });

  it('enforces deployment branches; an undeclared environment has no rules, as on GitHub', async () => {
    const github = {
      event_name: 'push',
      ref: 'refs/heads/feature/x',
      ref_name: 'feature/x',
      sha: 'a'.repeat(40),
    };
    const run = await runFixture(
      'gated.yml',
      {},
      { environments, github, approved: new Set(['production']) },
    );
    expect(run.result.jobs.find((j) => j.id === 'deploy')?.note).toMatch(
      /does not allow deployments from branch 'feature\/x'/,
    );
    // Tags are checked against tag policies only: a tag named like an allowed branch is refused.
    const tagged = (environments: object, ref_name: string) =>
      runFixture(
        'gated.yml',
        {},
        {
          environments: environments as never,
          github: {
            event_name: 'push',
            ref: `refs/tags/${ref_name}`,
            ref_name,
            ref_type: 'tag',
            sha: 'a'.repeat(40),
          },
          approved: new Set(['production']),
        },
      );
    const asBranch = await tagged(environments, 'main');
    expect(asBranch.result.jobs.find((j) => j.id === 'deploy')?.note).toMatch(
      /from tag 'main' \(deployment tag policy\)/,
    );
    const withTags = {
      environments: {
        ...environments.environments,
        production: { ...environments.environments.production, 'deployment-tags': ['v*'] },
        staging: {},
      },
    };
    expect(jobResult(await tagged(withTags, 'v1.2.3'), 'deploy')).toBe('success');
    const unknown = await runFixture('gated.yml', {}, { environments: { environments: {} } });
    expect(jobResult(unknown, 'open')).toBe('success');
    expect(unknown.printed).toContain('environment staging: not declared: no protection rules');
  });
});

describe('local actions', () => {
  it('runs ./actions/* from dist/ with INPUT_* and defaults, and exposes outputs and summaries', async () => {
    const run = await runFixture('local-action.yml');
    expect(stepStatus(run, 'validate', './actions/env-validate')).toBeDefined();
    const statuses = run.result.steps.map((s) => s.status);
    expect(statuses).toEqual(['success', 'failure', 'success']);
    expect(run.printed).toContain('good=true bad-missing=API_URL');
    expect(run.result.summaries.map((s) => s.step)).toEqual(['good', 'bad']);
    expect(run.result.conclusion).toBe('failure');
  });
});

describe('the CI gate of deploy-staging.yml (real workflow, CI assumed: its npm test cannot run here)', () => {
  const staging = (ci: 'success' | 'failure', ref = 'refs/heads/develop') =>
    runFixture(
      '.github/workflows/deploy-staging.yml',
      {},
      {
        github: {
          event_name: 'push',
          ref,
          ref_name: ref.replace(/^refs\/heads\//, ''),
          sha: 'c'.repeat(40),
          repository: 'o/r',
        },
        assumedWorkflows: { '.github/workflows/ci.yml': ci },
      },
    );

  it('a red CI: no image is built, nothing deploys, and CI shows as NOT RUN with the assumed result', async () => {
    const run = await staging('failure');
    expect(run.result.conclusion).toBe('failure');
    expect(jobResult(run, 'ref')).toBe('success');
    expect(jobResult(run, 'ci')).toBe('failure');
    expect(run.result.jobs.some((j) => j.id.startsWith('staging /'))).toBe(false);
    expect(run.result.steps.find((s) => s.job === 'ci')).toMatchObject({ status: 'unsupported' });
    expect(run.printed).toContain("result assumed 'failure'");
  });

  it('another ref is refused before CI and before any build', async () => {
    const run = await staging('success', 'refs/heads/feature/x');
    expect(run.result.conclusion).toBe('failure');
    expect(jobResult(run, 'ref')).toBe('failure');
    expect(run.printed).toContain('staging deploys only from refs/heads/develop');
    expect(jobResult(run, 'ci')).toBe('skipped');
  });

  it('refuses to assume a workflow the run never calls', async () => {
    const run = await runFixture(
      'caller.yml',
      {},
      { assumedWorkflows: { '.github/workflows/ci.yml': 'success' } },
    );
    expect(run.result.conclusion).toBe('failure');
    expect(run.printed).toContain('never calls it');
  });
});
