import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../test/fake-github';
import { main } from '../src/setup/cli';
import { planSetup } from '../src/setup/plan';

const TOKEN = 'ghp_fake-admin-token';
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-canary\n-----END OPENSSH PRIVATE KEY-----';
const dir = mkdtempSync(join(tmpdir(), 'setup-envs-'));
const valuesFile = join(dir, 'values.env');
writeFileSync(
  valuesFile,
  [
    'vars.REGISTRY=ghcr.io/contextai',
    "secrets.SLACK_BOT_TOKEN='xoxb-canary-repo'",
    `environments.production.secrets.SSH_PRIVATE_KEY='${KEY}'`,
    "environments.production.secrets.API_ENV='DATABASE_URL=postgres://u:p@db/x'",
    'environments.production.vars.DEPLOY_HOSTS=app1.example:22',
    '',
  ].join('\n'),
);

describe('scripts/setup-environments', () => {
  const github = new FakeGitHub(TOKEN);
  let apiUrl = '';
  let printed = '';
  const write = (line: string) => (printed += `${line}\n`);
  beforeAll(async () => {
    apiUrl = await github.start();
  });
  afterAll(() => github.stop());

  it('plans repository values, then environments, branch rules, variables and secrets; refuses values for unknown environments', () => {
    const plan = planSetup(
      { production: { reviewers: { users: ['alice'] }, 'deployment-branches': ['main'] } },
      {
        repository: { secrets: { R: '0' }, vars: { V: '0' } },
        environments: { production: { secrets: { A: '1' }, vars: { B: '2' } } },
      },
    );
    expect(plan.map((op) => `${op.kind}${'target' in op ? `@${op.target.kind}` : ''}`)).toEqual([
      'variable@repository',
      'secret@repository',
      'environment',
      'branch-policy',
      'variable@environment',
      'secret@environment',
    ]);
    expect(() =>
      planSetup(
        {},
        { repository: { secrets: {}, vars: {} }, environments: { nope: { secrets: {}, vars: {} } } },
      ),
    ).toThrow(/not in the config: nope/);
  });

  it('is a dry run by default: sends nothing and prints no secret value', async () => {
    printed = '';
    const code = await main(
      ['--repo', 'contextai/delivery', '--api-url', apiUrl, '--values', valuesFile],
      write,
    );
    expect(code).toBe(0);
    expect(github.requests).toEqual([]);
    expect(printed).toContain('Dry run');
    expect(printed).toContain('repository: variable REGISTRY = ghcr.io/contextai');
    expect(printed).toContain('repository: secret SLACK_BOT_TOKEN');
    expect(printed).toContain('environment production: secret SSH_PRIVATE_KEY');
    expect(printed).toContain('reviewers team release-managers');
    expect(printed).not.toContain('canary');
    expect(printed).not.toContain('postgres://');
  });

  it('creates the environments with reviewers and branch rules, and secrets the server can open with its private key', async () => {
    printed = '';
    process.env.GITHUB_TOKEN = TOKEN;
    const argv = ['--repo', 'contextai/delivery', '--api-url', apiUrl, '--values', valuesFile, '--apply'];
    expect(await main(argv, write)).toBe(0);
    // Repository level: every job sees these (the build job has no environment).
    expect(github.repository.variables).toEqual({ REGISTRY: 'ghcr.io/contextai' });
    expect(github.repository.secrets).toEqual({ SLACK_BOT_TOKEN: 'xoxb-canary-repo' });
    const production = github.environments.get('production')!;
    expect(production.body).toMatchObject({
      reviewers: [{ type: 'Team', id: 2000 + 'release-managers'.length }],
      prevent_self_review: true,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(production.branchPolicies).toEqual(['main', 'tag:v*']); // main and release tags
    expect(production.secrets.SSH_PRIVATE_KEY).toBe(KEY);
    expect(production.secrets.API_ENV).toBe('DATABASE_URL=postgres://u:p@db/x');
    expect(production.variables).toEqual({ DEPLOY_HOSTS: 'app1.example:22' });
    expect(github.environments.get('staging')?.branchPolicies).toEqual(['develop']);
    expect(github.environments.get('staging')?.body.reviewers).toEqual([]);
    expect(printed).not.toContain('canary');

    // A second run is idempotent: variables are updated, branch rules not duplicated.
    writeFileSync(valuesFile, `environments.production.vars.DEPLOY_HOSTS=app2.example:22\n`);
    expect(await main(argv, write)).toBe(0);
    expect(production.variables).toEqual({ DEPLOY_HOSTS: 'app2.example:22' });
    expect(production.branchPolicies).toEqual(['main', 'tag:v*']); // main and release tags
  });

  it('fails clearly on a bad token', async () => {
    process.env.GITHUB_TOKEN = 'wrong';
    await expect(
      main(['--repo', 'contextai/delivery', '--api-url', apiUrl, '--apply'], write),
    ).rejects.toThrow(/401/);
  });
});
