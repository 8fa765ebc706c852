import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../test/fake-slack';
import { rehearsalSite } from '../src/rehearsal-env';
import { actionReady, e2eEnvironment, runReal } from './e2e';

// The deploy path needs every action it composes; until they are all bundled this suite says so
// (the report lists what is not wired) instead of failing on a missing dist/.
const NEEDED = ['docker-build-push', 'env-validate', 'deploy-ssh', 'smoke-test', 'rollback'];
const missing = NEEDED.filter((name) => !actionReady(name));
const PORT = 8182;
const SITE = `http://127.0.0.1:${PORT}`;

async function servedVersion(): Promise<string> {
  const response = await fetch(`${SITE}/api/version`);
  return ((await response.json()) as { version: string }).version;
}

describe.skipIf(missing.length > 0)(
  `deploy workflows on the stack${missing.length ? ` (not wired: ${missing.join(', ')})` : ''}`,
  () => {
    const env = e2eEnvironment('deploy', SITE);
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    // Two "commits": the version is sha-<7 hex> of github.sha, so two shas make two versions.
    const shaA = `a${head.slice(1)}`;
    const shaB = `b${head.slice(1)}`;
    let slack: FakeSlack;

    beforeAll(async () => {
      const stack = env.stack;
      slack = await startFakeSlack();
      Object.assign(env.vars, {
        API_APP: 'e2e-api',
        WEB_APP: 'e2e-web',
        SLACK_CHANNEL: '#deploys',
        SLACK_API_URL: slack.url,
      });
      env.secrets.SLACK_BOT_TOKEN = FAKE_SLACK_TOKEN;
      writeFileSync(
        join(stack.STACK_NGINX_CONFD!, 'e2e-deploy.conf'),
        rehearsalSite({
          port: PORT,
          deployRoot: env.vars.DEPLOY_ROOT!,
          apiApp: 'e2e-api',
          webApp: 'e2e-web',
        }),
      );
      execFileSync('install', [
        '-d',
        '-o',
        stack.STACK_SSH_USER!,
        '-g',
        stack.STACK_SSH_USER!,
        env.vars.DEPLOY_ROOT!,
      ]);
      execFileSync('bash', ['-c', `${stack.STACK_NGINX_TEST} && ${stack.STACK_NGINX_RELOAD}`]);
      execFileSync(join(process.cwd(), 'scripts/base-image'), { stdio: 'ignore' });
    });
    afterAll(() => slack?.close());

    it('deploy-staging.yml deploys a new version (push to develop)', async () => {
      const first = await runReal('deploy-staging.yml', env, {
        event: 'push',
        ref: 'refs/heads/develop',
        sha: shaA,
      });
      expect(first.result.conclusion, first.printed).toBe('success');
      expect(await servedVersion()).toBe(`sha-${shaA.slice(0, 7)}`);
      const second = await runReal('deploy-staging.yml', env, {
        event: 'push',
        ref: 'refs/heads/develop',
        sha: shaB,
      });
      expect(second.result.conclusion, second.printed).toBe('success');
      expect(await servedVersion()).toBe(`sha-${shaB.slice(0, 7)}`);
      expect(second.result.steps.find((s) => s.name === 'Scan the API image')?.status).toBe('skipped');
      expect(slack.messages.at(-1)?.text).toContain('deployed');
    });

    it('deploy-production.yml is refused without approval and deploys the built digest with it', async () => {
      const version = `sha-${shaA.slice(0, 7)}`;
      const refused = await runReal('deploy-production.yml', env, {
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { version },
      });
      expect(refused.result.conclusion).toBe('failure');
      expect(refused.result.jobs.find((j) => j.id === 'production / deploy')?.note).toMatch(
        /requires approval/,
      );
      expect(await servedVersion()).toBe(`sha-${shaB.slice(0, 7)}`);

      const approved = await runReal('deploy-production.yml', env, {
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { version },
        approve: ['production'],
      });
      expect(approved.result.conclusion, approved.printed).toBe('success');
      expect(await servedVersion()).toBe(version);
      // No rebuild: the build steps were skipped and the digest came from the registry.
      expect(approved.result.steps.find((s) => s.name === 'Build and push the API image')?.status).toBe(
        'skipped',
      );
      expect(approved.result.jobs.find((j) => j.id === 'production')?.outputs['api-image']).toMatch(
        /@sha256:[0-9a-f]{64}$/,
      );
    });

    it('a failed smoke test takes the rollback path and the old version serves', async () => {
      const before = await servedVersion();
      const failing = {
        ...env,
        vars: { ...env.vars, SMOKE_CHECKS: '- path: /definitely-not-here\n  status: 200\n' },
      };
      const run = await runReal('deploy-production.yml', failing, {
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { version: `sha-${shaB.slice(0, 7)}` },
        approve: ['production'],
      });
      expect(run.result.conclusion).toBe('failure');
      expect(run.result.steps.find((s) => s.name === 'Smoke test the new version')?.status).toBe('failure');
      expect(run.result.steps.find((s) => s.name === 'Roll back the API')?.status, run.printed).toBe(
        'success',
      );
      expect(await servedVersion()).toBe(before);
      expect(slack.messages.at(-1)?.text).toContain('ROLLED BACK');
      expect(run.printed).not.toContain(env.secrets.SSH_PRIVATE_KEY!.split('\n')[1]!);
    });
  },
);
