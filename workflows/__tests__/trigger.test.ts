import { describe, expect, it } from 'vitest';
import { parseEnvFile, parseRunArgs } from '../src/cli';
import { buildTrigger } from '../src/run/trigger';
import type { Workflow } from '../src/workflow';

const base = {
  sha: 'b'.repeat(40),
  repository: 'o/r',
  actor: 'me',
  workspace: '/w',
  workflowPath: 'w.yml',
  inputs: {},
};
const workflow: Workflow = {
  on: {
    push: { branches: ['develop', 'release/**'] },
    schedule: [{ cron: '17 * * * *' }, { cron: '30 2 * * *' }],
    workflow_dispatch: {
      inputs: { version: { required: true }, kind: { type: 'choice', options: ['a', 'b'], default: 'a' } },
    },
  },
  jobs: {},
};

describe('triggers', () => {
  it('builds the github context and refuses runs GitHub would never start', () => {
    const { github } = buildTrigger(workflow, { ...base, event: 'push', ref: 'refs/heads/release/1.2' });
    expect(github).toMatchObject({ event_name: 'push', ref_name: 'release/1.2', ref_type: 'branch' });
    expect(() => buildTrigger(workflow, { ...base, event: 'push', ref: 'refs/heads/feature' })).toThrow(
      /does not match branches/,
    );
    expect(() =>
      buildTrigger(workflow, { ...base, event: 'pull_request', ref: 'refs/heads/develop' }),
    ).toThrow(/not triggered by 'pull_request'/);
    expect(
      buildTrigger(workflow, { ...base, event: 'schedule', ref: 'refs/heads/main', schedule: '30 2 * * *' })
        .github.event,
    ).toMatchObject({ schedule: '30 2 * * *' });
    expect(() =>
      buildTrigger(workflow, { ...base, event: 'schedule', ref: 'refs/heads/main', schedule: '* * * * *' }),
    ).toThrow(/not one of/);
  });

  it('never fires a branches-only push filter for a tag, nor a tags-only one for a branch (GitHub)', () => {
    expect(() => buildTrigger(workflow, { ...base, event: 'push', ref: 'refs/tags/v1.2.3' })).toThrow(
      /filters branches only, so tags never trigger it/,
    );
    const tagged: Workflow = { on: { push: { tags: ['v*'] } }, jobs: {} };
    expect(buildTrigger(tagged, { ...base, event: 'push', ref: 'refs/tags/v1.2.3' }).github).toMatchObject({
      ref_type: 'tag',
      ref_name: 'v1.2.3',
    });
    expect(() => buildTrigger(tagged, { ...base, event: 'push', ref: 'refs/tags/nightly' })).toThrow(
      /does not match tags/,
    );
    expect(() => buildTrigger(tagged, { ...base, event: 'push', ref: 'refs/heads/main' })).toThrow(
      /filters tags only/,
    );
  });

  it('validates workflow_dispatch inputs', () => {
    const ok = buildTrigger(workflow, {
      ...base,
      event: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { version: '1.0.0' },
    });
    expect(ok.inputs).toEqual({ version: '1.0.0', kind: 'a' });
    expect(() =>
      buildTrigger(workflow, { ...base, event: 'workflow_dispatch', ref: 'refs/heads/main' }),
    ).toThrow(/missing required input 'version'/);
    expect(() =>
      buildTrigger(workflow, {
        ...base,
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { version: '1', kind: 'c', x: '1' },
      }),
    ).toThrow(/unknown input 'x'.*must be one of a, b/);
  });
});

describe('command line', () => {
  it('parses run arguments', () => {
    expect(
      parseRunArgs([
        'deploy.yml',
        '--event',
        'push',
        '--input',
        'a=b=c',
        '--approve',
        'production',
        '--approve',
        'staging',
      ]),
    ).toEqual({
      workflow: 'deploy.yml',
      event: 'push',
      inputs: { a: 'b=c' },
      approve: ['production', 'staging'],
      assume: {},
    });
    expect(parseRunArgs(['deploy-staging.yml', '--assume-workflow', 'ci.yml=failure']).assume).toEqual({
      '.github/workflows/ci.yml': 'failure',
    });
    expect(() => parseRunArgs(['x', '--assume-workflow', 'ci.yml=maybe'])).toThrow(/success\|failure/);
    expect(() => parseRunArgs(['x', '--bogus'])).toThrow(/unknown option/);
    expect(() => parseRunArgs(['x', '--input', 'novalue'])).toThrow(/key=value/);
  });

  it('splits an env file into secrets, vars and the runner environment, refusing other keys', () => {
    expect(
      parseEnvFile(
        "secrets.KEY='a\nb'\nvars.HOST=h\nenvironments.prod-eu.secrets.KEY=p\nenvironments.prod-eu.vars.HOST=ph\nrunner.NODE_OPTIONS=--x\n",
      ),
    ).toEqual({
      repository: { secrets: { KEY: 'a\nb' }, vars: { HOST: 'h' } },
      environments: { 'prod-eu': { secrets: { KEY: 'p' }, vars: { HOST: 'ph' } } },
      runner: { NODE_OPTIONS: '--x' },
    });
    expect(() => parseEnvFile('PLAIN=1\n')).toThrow(/environments.<env>.vars.NAME or runner.NAME; got PLAIN/);
  });
});
