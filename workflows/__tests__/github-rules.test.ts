import { describe, expect, it } from 'vitest';
import { checkContracts } from '../src/check/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandMatrix } from '../src/run/matrix';
import { imageCommands } from '../src/run/runner-image';
import { summaryText } from '../src/run/summary-text';
import { deprecatedCommand, disabledCommand } from '../src/run/workflow-commands';
import { buildTrigger } from '../src/run/trigger';
import { loadWorkflow } from '../src/workflow';
import { jobResult, REPO_ROOT, runFixture, stepStatus, testConcurrency, type FixtureRun } from './helpers';

// Each rule of GitHub's that the engine keeps, on a small workflow written for it
// (workflows/__tests__/fixtures/github/). Messages are GitHub's own, quoted from actions/runner
// or from what GitHub prints (docs/WORKFLOWS.md lists the sources).
const gh = (name: string) => `workflows/__tests__/fixtures/github/${name}`;
const job = (run: FixtureRun, id: string) => run.result.jobs.find((j) => j.id === id);
const lines = (run: FixtureRun) => run.printed.split('\n');

describe('concurrency: one repository-wide table', () => {
  it('cancels a job asking for the group its own run holds, with GitHub’s deadlock message, and runs no step', async () => {
    const run = await runFixture(gh('deadlock.yml'));
    expect(run.result.conclusion).toBe('cancelled');
    const message =
      "Canceling since a deadlock for concurrency group 'fixture-deadlock' was detected between 'top level workflow' and 'deadlock'";
    expect(run.result.annotations.map((a) => a.message)).toContain(message);
    expect(jobResult(run, 'deadlock')).toBe('cancelled');
    expect(run.result.steps).toEqual([]);
    expect(run.printed).not.toContain('step-ran');
  });

  it('detects the deadlock across a caller and the workflow it calls (deploy-production’s shape); always() jobs still run', async () => {
    const run = await runFixture(gh('deadlock-caller.yml'));
    expect(run.result.conclusion).toBe('cancelled');
    expect(run.result.annotations.map((a) => a.message)).toContain(
      "Canceling since a deadlock for concurrency group 'fixture-deploy-production' was detected between 'top level workflow' and 'deploy'",
    );
    expect(jobResult(run, 'production / deploy')).toBe('cancelled');
    expect(run.printed).not.toContain('deploy-step-ran');
    expect(run.printed).toContain('production=cancelled');
  });

  it('keeps one pending run per group: a newer pending run cancels the older, even without cancel-in-progress', async () => {
    const dispatch = (seconds: string, id: string) =>
      runFixture(
        gh('hold.yml'),
        {},
        {
          github: {
            event_name: 'workflow_dispatch',
            ref: 'refs/heads/pending',
            ref_name: 'pending',
            run_id: id,
            event: { inputs: { seconds } },
          },
        },
      );
    const first = dispatch('3', 'first');
    await waitFor(() => testConcurrency.holder('fixture-hold-pending') !== undefined);
    const second = dispatch('0', 'second');
    await waitFor(() => testConcurrency.hasPending('fixture-hold-pending'));
    const third = dispatch('0', 'third');
    const [a, b, c] = await Promise.all([first, second, third]);
    expect(a.result.conclusion).toBe('success');
    expect(b.result.conclusion).toBe('cancelled');
    expect(job(b, 'hold')?.note).toBe(
      "Canceling since a higher priority waiting request for 'fixture-hold-pending' exists",
    );
    expect(b.printed).not.toContain('start second');
    expect(c.result.conclusion).toBe('success');
    expect(c.printed).toContain('end third');
  });

  it('cancel-in-progress (an expression) cancels the running job for the newer one', async () => {
    const push = (seconds: string, id: string) =>
      runFixture(
        gh('hold.yml'),
        {},
        {
          github: {
            event_name: 'push',
            ref: 'refs/heads/cancel',
            ref_name: 'cancel',
            run_id: id,
            event: { inputs: { seconds } },
          },
        },
      );
    const first = push('30', 'old');
    await waitFor(() => testConcurrency.holder('fixture-hold-cancel') !== undefined);
    const [a, b] = await Promise.all([first, push('0', 'new')]);
    expect(a.result.conclusion).toBe('cancelled');
    expect(a.printed).toContain('start old');
    expect(a.printed).not.toContain('end old');
    expect(job(a, 'hold')?.note).toBe(
      "Canceling since a higher priority waiting request for 'fixture-hold-cancel' exists",
    );
    expect(b.result.conclusion).toBe('success');
    expect(a.result.durationMs).toBeLessThan(20_000);
  });
});

describe('environments: values reach only the jobs that name them', () => {
  const values = {
    repository: { secrets: { SLACK_TOKEN: 'xoxb-repo-canary' }, vars: { REGISTRY: 'ghcr.io/repo' } },
    environments: {
      staging: {
        secrets: { SSH_KEY: 'ssh-env-canary' },
        vars: { DEPLOY_HOSTS: 'stage1', REGISTRY: 'ghcr.io/staging' },
      },
    },
  };

  it('gives a job without environment: the repository values only, and a job with it its environment’s over them', async () => {
    const run = await runFixture(
      gh('scoping.yml'),
      {},
      { values, environments: { environments: { staging: {} } } },
    );
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toContain('build registry=ghcr.io/repo hosts=[] key=[] token=[set]');
    expect(run.printed).toContain('deploy registry=ghcr.io/staging hosts=[stage1] key=[set] token=[set]');
  });

  it('passes secrets to a called workflow only through secrets: inherit or an explicit map', async () => {
    const run = await runFixture(
      gh('scoping.yml'),
      {},
      { values, environments: { environments: { staging: {} } } },
    );
    const called = lines(run).filter((l) => l.startsWith('  │ called token='));
    expect(called).toHaveLength(3);
    expect(called.filter((l) => l.includes('token=[set]'))).toHaveLength(2);
    expect(called.filter((l) => l.includes('token=[]'))).toHaveLength(1);
    // vars are not secrets: every called job sees the repository's.
    expect(called.every((l) => l.endsWith('registry=ghcr.io/repo'))).toBe(true);
  });
});

describe('job outputs', () => {
  it('drops an output that contains a secret, with GitHub’s warning: the next job sees an empty string', async () => {
    const run = await runFixture(gh('secret-output.yml'), {}, { secrets: { API_TOKEN: 'tok-canary-9876' } });
    expect(run.result.conclusion).toBe('success');
    expect(job(run, 'produce')?.outputs).toEqual({ plain: 'hello' });
    expect(run.printed).toContain('leaked=[] derived=[] plain=[hello]');
    const warnings = run.result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([
      "Skip output 'leaked' since it may contain secret.",
      "Skip output 'derived' since it may contain secret.",
    ]);
    expect(run.printed).not.toContain('tok-canary-9876');
  });
});

describe('permissions of called workflows', () => {
  it('refuses a called job asking for more than its caller grants, with GitHub’s message, before any job runs', async () => {
    const run = await runFixture(gh('permissions-caller.yml'));
    expect(run.result.conclusion).toBe('failure');
    expect(run.result.annotations.map((a) => a.message)).toContain(
      "Error calling workflow './workflows/__tests__/fixtures/github/permissions-callee.yml'. The nested job 'deploy' is requesting 'deployments: write', but is only allowed 'deployments: none'.",
    );
    expect(run.result.jobs).toEqual([]);
    expect(run.printed).not.toContain('first-ran');
  });
});

describe('strategy.matrix', () => {
  it('expands lists, exclude and include as GitHub documents', () => {
    expect(
      expandMatrix({
        fruit: ['apple', 'pear'],
        animal: ['cat', 'dog'],
        include: [
          { color: 'green' },
          { color: 'pink', animal: 'cat' },
          { fruit: 'apple', shape: 'circle' },
          { fruit: 'banana' },
          { fruit: 'banana', animal: 'cat' },
        ],
      }),
    ).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
    expect(expandMatrix({ include: [{ a: 1 }, { a: 2 }] })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => expandMatrix({ os: [] })).toThrow(/does not contain any values/);
  });

  it('runs a 2×2 matrix minus one exclude 3 times, with matrix.* in names, if: and steps, and aggregates needs', async () => {
    const run = await runFixture(gh('matrix.yml'));
    expect(run.result.conclusion, run.printed).toBe('success');
    const cells = run.result.jobs.filter((j) => j.id.startsWith('test ('));
    expect(cells.map((j) => j.id)).toEqual([
      'test (linux, 22, true)',
      'test (linux, 24, true)',
      'test (mac, 24)',
    ]);
    expect(cells.map((j) => j.name)).toEqual(['test linux node22', 'test linux node24', 'test mac node24']);
    expect(run.printed).toContain('cell os=linux node=22 experimental=[true] 0/3');
    expect(run.printed).toContain('cell os=mac node=24 experimental=[] 2/3');
    expect(lines(run).filter((l) => l.includes('│ mac-only step'))).toHaveLength(1);
    expect(run.printed).toMatch(/matrix result=success seen=(linux-22|linux-24|mac-24)/);
  });

  it('fail-fast cancels the remaining cells; without it they run; needs.<job>.result is failure either way', async () => {
    const fast = await runFixture(gh('matrix-fail-fast.yml'));
    expect(fast.result.jobs.filter((j) => j.id.startsWith('cells')).map((j) => j.result)).toEqual([
      'failure',
      'cancelled',
      'cancelled',
    ]);
    expect(fast.printed).toContain('cells=failure');
    const slow = await runFixture(
      gh('matrix-fail-fast.yml'),
      {},
      {
        github: {
          event_name: 'workflow_dispatch',
          ref: 'refs/heads/main',
          ref_name: 'main',
          event: { inputs: { 'fail-fast': 'false' } },
        },
      },
    );
    expect(slow.result.jobs.filter((j) => j.id.startsWith('cells')).map((j) => j.result)).toEqual([
      'failure',
      'success',
      'success',
    ]);
    expect(slow.printed).toContain('cells=failure');
  });
});

describe('keys the engine does not run', () => {
  it('refuses services: and container: (run and check), never dropping them silently', async () => {
    const run = await runFixture(gh('unsupported.yml'));
    expect(run.result.conclusion).toBe('failure');
    expect(run.result.jobs).toEqual([]);
    const messages = run.result.annotations.map((a) => a.message).join('\n');
    expect(messages).toMatch(/jobs\.db: `services:` is not supported by the local engine/);
    expect(messages).toMatch(/jobs\.boxed: `container:` is not supported by the local engine/);
    const text = readFileSync(join(REPO_ROOT, gh('unsupported.yml')), 'utf8');
    expect(checkContracts('unsupported.yml', text, REPO_ROOT).map((f) => f.rule)).toContain('unsupported');
  });
});

describe('hosted runner image', () => {
  it('check names job, step and tool for a command the ubuntu image lacks, unless the job installs it', () => {
    const text = readFileSync(join(REPO_ROOT, gh('image-tools.yml')), 'utf8');
    const findings = checkContracts('image-tools.yml', text, REPO_ROOT).filter(
      (f) => f.rule === 'runner-image',
    );
    expect(findings.map((f) => `${f.where}: ${f.message}`)).toEqual([
      expect.stringMatching(
        /^jobs\.backup\.steps\[0\] \(Encrypt\): 'age' is not on GitHub's ubuntu-24.04 runner image/,
      ),
    ]);
  });

  it('run gives an ubuntu job only the image’s tools plus what its steps add; a self-hosted job has the machine’s', async () => {
    const run = await runFixture(gh('image-tools.yml'));
    expect(jobResult(run, 'backup')).toBe('failure');
    expect(job(run, 'backup')).toBeDefined();
    expect(run.result.steps.find((s) => s.job === 'backup')?.note).toMatch(
      /'age' is not on GitHub's ubuntu-24.04 runner image \(20260816\.277\.1\)/,
    );
    expect(jobResult(run, 'self')).toBe('success');
    expect(jobResult(run, 'provided')).toBe('success');
  });
});

describe('the rest of the runner’s contract', () => {
  it('types workflow_dispatch and workflow_call inputs: inputs.flag is a boolean, github.event.inputs.flag a string', async () => {
    const path = join(REPO_ROOT, gh('inputs.yml'));
    const { github, inputs } = buildTrigger(loadWorkflow(path), {
      event: 'workflow_dispatch',
      ref: 'refs/heads/main',
      sha: 'a'.repeat(40),
      repository: 'o/r',
      actor: 't',
      inputs: { flag: 'true' },
      workspace: REPO_ROOT,
      workflowPath: path,
    });
    expect(inputs).toEqual({ flag: true, count: 3, name: 'world' });
    const run = await runFixture(gh('inputs.yml'), inputs, { github });
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toContain('typed=true event=true event-vs-bool=false count=true name=world');
    expect(run.printed).toContain('flag-is-on');
    expect(run.printed).toContain('called flag-true=true count=5 number=true label=[]');
  });

  it('runs custom shell: templates (node {0}, cp {0} file), sh, bash with pipefail, python', async () => {
    const run = await runFixture(gh('shells.yml'));
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toContain('node says 42');
    expect(run.printed).toContain('│ echo "copied me"');
    expect(run.printed).toMatch(/sh says \S+\.sh/);
    expect(run.printed).toContain('pipefail on');
    expect(run.printed).toContain('python says 42');
    expect(run.printed).toContain('perl says 42');
  });

  it('runs nested composite actions with GITHUB_ACTION_PATH, their outputs, env and GITHUB_ENV', async () => {
    const run = await runFixture(gh('composite.yml'));
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toContain('outer env CALLER=from-step-env OWN=outer-own');
    expect(run.printed).toContain('inner path inner');
    expect(run.printed).toContain('greeting=[hello composite] path-base=outer env=[set-by-outer]');
  });

  it('honours ::set-output and ::save-state with GitHub’s warning; refuses ::set-env and ::add-path unless allowed', async () => {
    const run = await runFixture(gh('commands.yml'));
    expect(run.printed).toContain('answer=42');
    const messages = run.result.annotations.map((a) => a.message);
    expect(messages).toContain(deprecatedCommand('set-output'));
    expect(messages).toContain(deprecatedCommand('save-state'));
    expect(messages).toContain(disabledCommand('set-env'));
    expect(messages).toContain(disabledCommand('add-path'));
    expect(messages).toContain("Unable to process command '::set-env name=SNEAKY::value' successfully.");
    expect(run.printed).toContain('setenv outcome=failure conclusion=success sneaky=[]');
    expect(run.printed).toContain('sneaky=[allowed-value]');
    expect(run.result.conclusion).toBe('success');
  });

  it('keeps step outcome vs conclusion, job.status and the status functions for steps and jobs', async () => {
    const run = await runFixture(gh('statuses.yml'));
    expect(run.printed).toContain('after soft outcome=failure conclusion=success job=success');
    expect(run.printed).toContain('failure() ran job=failure');
    expect(run.printed).not.toContain('never-success');
    expect(run.printed).not.toContain('never-cancelled');
    expect(run.printed).toContain('always-ran');
    expect(run.printed).toContain('on-failure-job-ran');
    expect(jobResult(run, 'on-success')).toBe('skipped');
    expect(run.printed).toContain('always after skipped=skipped');
    expect(jobResult(run, 'tolerant')).toBe('success');
    expect(stepStatus(run, 'steps', 'Run exit 2')).toBe('failure');
    expect(run.result.conclusion).toBe('failure');
  });
});

describe('job summaries in the terminal', () => {
  it('prints Markdown and @actions/core HTML as text, tables as aligned columns', () => {
    expect(
      summaryText('### Deploy\n| app | version |\n|---|---|\n| api | `1.2.3` |\n| web-frontend | 1.2 |\n'),
    ).toBe(
      [
        'Deploy',
        'app           version',
        '------------  -------',
        'api           1.2.3',
        'web-frontend  1.2',
      ].join('\n'),
    );
    expect(
      summaryText(
        '<h2>Backup</h2>\n<table><tr><th>key</th><th>size</th></tr><tr><td>a/b.age</td><td>12 MB</td></tr></table>',
      ),
    ).toBe(['Backup', '======', '', 'key      size', '-------  -----', 'a/b.age  12 MB'].join('\n'));
    expect(summaryText('|  |\n||\n| Database | app |\n| Size | 1.6 KiB |')).toBe(
      'Database  app\nSize      1.6 KiB',
    );
  });
});

/** Waits for a condition (at most 10 s), polling: never a fixed sleep. */
async function waitFor(condition: () => boolean): Promise<void> {
  const until = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the image’s tool list', () => {
  it('is built from the software list: PostgreSQL 16 client, zstd, skopeo, buildah yes; age, redis-cli no', () => {
    const image = imageCommands();
    for (const tool of [
      'psql',
      'pg_dump',
      'zstd',
      'skopeo',
      'buildah',
      'podman',
      'jq',
      'curl',
      'git',
      'node',
      'ssh',
    ])
      expect(image.has(tool), tool).toBe(true);
    for (const tool of ['age', 'redis-cli', 'pebble', 'trivy', 'go'])
      expect(image.has(tool), tool).toBe(false);
  });
});
