import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../test/fake-github';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../test/fake-slack';
import { DEPLOY_ENVIRONMENTS, rehearsalSite } from '../src/rehearsal-env';
import { E2E_GITHUB_TOKEN, e2eEnvironment, runReal, type E2eRun } from './e2e';
import { REPO_ROOT } from './helpers';

// The real deploy workflows on the stack, with the real apps/api and apps/web images: staging builds
// them (twice, the second build reuses buildah's layers), production and the rollback case deploy
// those same images by digest. App names, slot ports and the nginx site are the test's own, so the
// rehearsal's `api`/`web` (ports 3001/3002, 3011/3012, site 8181) keep serving.
const PORT = 8182;
const SITE = `http://127.0.0.1:${PORT}`;
// A cold build of both images takes ~3 min on 2 idle cores, and over 10 min when other work loads
// the machine (measured: load 15 on 2 cores): the staging test builds twice.
const LONG = 1_800_000;

async function servedVersion(): Promise<string> {
  const response = await fetch(`${SITE}/api/version`);
  return ((await response.json()) as { version: string }).version;
}

const job = (run: E2eRun, id: string) => run.result.jobs.find((j) => j.id === id);
const step = (run: E2eRun, name: string) => run.result.steps.find((s) => s.name === name);

describe('deploy workflows on the stack', () => {
  const env = e2eEnvironment('deploy', SITE);
  const staging = env.environments.staging!;
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  // Two "commits" of this run: the version is sha-<7 hex> of github.sha, unique per test run so a
  // rerun never finds its target version already serving.
  const prefix = randomBytes(3).toString('hex');
  const shaA = `${prefix}a${head.slice(7)}`;
  const shaB = `${prefix}b${head.slice(7)}`;
  const versionA = `sha-${shaA.slice(0, 7)}`;
  const versionB = `sha-${shaB.slice(0, 7)}`;
  let slack: FakeSlack;
  // GitHub's Deployments API: staging records what it deployed, production promotes from it.
  const github = new FakeGitHub(E2E_GITHUB_TOKEN);
  let githubApi = '';
  const deploymentsOf = (environment: string) =>
    github.deployments.filter((d) => d.environment === environment);

  beforeAll(async () => {
    const stack = env.stack;
    slack = await startFakeSlack();
    githubApi = await github.start();
    for (const name of DEPLOY_ENVIRONMENTS)
      Object.assign(env.environments[name]!.vars, {
        API_APP: 'e2e-api',
        WEB_APP: 'e2e-web',
        API_PORTS: '3101,3102',
        WEB_PORTS: '3111,3112',
        // not the defaults (9464-9467): a rehearsal's apps may be live on this machine with those
        API_METRICS_PORTS: '9564,9565',
        WEB_METRICS_PORTS: '9566,9567',
      });
    // The notify job names no environment: Slack's values must be repository-level.
    Object.assign(env.repository.vars, { SLACK_CHANNEL: '#deploys', SLACK_API_URL: slack.url });
    env.repository.secrets.SLACK_BOT_TOKEN = FAKE_SLACK_TOKEN;
    writeFileSync(
      join(stack.STACK_NGINX_CONFD!, 'e2e-deploy.conf'),
      rehearsalSite({
        port: PORT,
        internalPort: PORT + 100,
        deployRoot: staging.vars.DEPLOY_ROOT!,
        apiApp: 'e2e-api',
        webApp: 'e2e-web',
      }),
    );
    const user = stack.STACK_SSH_USER!;
    execFileSync('install', ['-d', '-o', user, '-g', user, staging.vars.DEPLOY_ROOT!]);
    execFileSync('bash', ['-c', `${stack.STACK_NGINX_TEST} && ${stack.STACK_NGINX_RELOAD}`]);
    execFileSync(join(REPO_ROOT, 'scripts/base-image'), { stdio: 'ignore' });
    // An empty schema: the deploy itself must migrate it (deploy-ssh's pre-switch command runs
    // `npm run migration:run` in the new API image), else the smoke test's /sectors fails.
    execFileSync('psql', [
      env.environments.operations!.secrets.DATABASE_URL!,
      '-qc',
      'DROP SCHEMA public CASCADE; CREATE SCHEMA public',
    ]);
  }, LONG);
  afterAll(async () => {
    await slack?.close();
    await github.stop();
  });

  it(
    'deploy-staging.yml builds the real apps and deploys a new version behind nginx (push to develop)',
    async () => {
      const push = (sha: string, ci: 'success' | 'failure' = 'success') =>
        runReal('deploy-staging.yml', env, {
          event: 'push',
          ref: 'refs/heads/develop',
          sha,
          assume: { '.github/workflows/ci.yml': ci },
          githubApi,
        });
      // A commit whose CI fails reaches nothing: no build job, no image, no deploy.
      const red = await push(shaA, 'failure');
      expect(red.result.conclusion).toBe('failure');
      expect(red.result.jobs.find((j) => j.id === 'staging / build')).toBeUndefined();
      expect(red.printed).toContain('ci.yml NOT RUN here');
      expect(deploymentsOf('staging')).toHaveLength(0);

      const first = await push(shaA);
      expect(first.result.conclusion, first.printed).toBe('success');
      expect(first.printed).toContain('pre-switch command `npm run migration:run` succeeded');
      expect(first.printed).toMatch(/migration\(s\) applied/);
      expect(await servedVersion()).toBe(versionA);
      // The smoke report names the site it checked (no secret's value: not masked).
      expect(first.printed).toContain(`Smoke test of ${SITE}`);
      // The GitHub deployment: the commit, both digests in the payload, in_progress then success.
      const [recorded] = deploymentsOf('staging');
      expect(recorded).toMatchObject({ sha: shaA, payload: { version: versionA } });
      expect((recorded!.payload as { images: { api: string } }).images.api).toBe(
        job(first, 'staging / build')?.outputs['api-image'],
      );
      expect(recorded!.statuses.map((s) => s.state)).toEqual(['success', 'in_progress']);
      expect(recorded!.statuses[0]!.environment_url).toBe(SITE);

      const second = await push(shaB);
      expect(second.result.conclusion, second.printed).toBe('success');
      expect(await servedVersion()).toBe(versionB);
      expect(job(second, 'staging / deploy')?.outputs).toBeDefined();
      expect(step(second, 'Deploy the API')?.status).toBe('success');
      // The web front end serves through the same site, and got its own slot ports.
      const home = await fetch(`${SITE}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Context.AI');
      // Offline the scan is SKIPPED with its reason, never shown as passed, and Slack says so.
      const scan = job(second, 'staging / scan');
      expect(scan?.result).toBe('skipped');
      expect(scan?.note).toContain("vars.SECURITY_SCAN != 'unavailable'");
      expect(step(second, 'Images NOT scanned')?.status).toBe('success');
      expect(slack.messages.at(-1)?.text).toMatch(/deployed, images NOT scanned/);
    },
    LONG,
  );

  it(
    'deploy-production.yml ships only what staging proved: unknown versions refused, approval required, exact digests',
    async () => {
      const dispatch = (approve: string[], version = versionA) =>
        runReal('deploy-production.yml', env, {
          event: 'workflow_dispatch',
          ref: 'refs/heads/main',
          inputs: { version },
          approve,
          githubApi,
        });
      const never = await dispatch(['production'], 'sha-0000000');
      expect(never.result.conclusion).toBe('failure');
      expect(never.printed).toContain('no staging deployment of version sha-0000000 is recorded');
      expect(job(never, 'production / deploy')).toBeUndefined();
      expect(deploymentsOf('production')).toHaveLength(0);

      const refused = await dispatch([]);
      expect(refused.result.conclusion).toBe('failure');
      expect(job(refused, 'production / deploy')?.note).toMatch(/requires approval/);
      expect(step(refused, 'Deploy the API')).toBeUndefined();
      expect(await servedVersion()).toBe(versionB);

      const approved = await dispatch(['production']);
      expect(approved.result.conclusion, approved.printed).toBe('success');
      expect(await servedVersion()).toBe(versionA);
      // No rebuild: the build steps were skipped and the digests are those staging's deployment recorded.
      expect(step(approved, 'Build and push the API image')?.status).toBe('skipped');
      expect(step(approved, 'Build and push the web image')?.status).toBe('skipped');
      const proven = deploymentsOf('staging').find((d) => d.sha === shaA)!.payload as {
        images: { api: string; web: string };
      };
      expect(job(approved, 'production')?.outputs['api-image']).toBe(proven.images.api);
      expect(job(approved, 'production')?.outputs['web-image']).toBe(proven.images.web);
      const shipped = deploymentsOf('production').at(-1)!;
      expect(shipped).toMatchObject({ sha: shaA, payload: { version: versionA, images: proven.images } });
      expect(shipped.statuses[0]!.state).toBe('success');
    },
    LONG,
  );

  it(
    'a failed smoke test takes the rollback path and the old version serves',
    async () => {
      const failing = structuredClone(env);
      Object.assign(failing.environments.production!.vars, {
        SMOKE_CHECKS: '- path: /definitely-not-here\n  status: 200\n',
        SMOKE_RETRIES: '1',
      });
      const run = await runReal('deploy-production.yml', failing, {
        event: 'workflow_dispatch',
        ref: 'refs/heads/main',
        inputs: { version: versionB },
        approve: ['production'],
        githubApi,
      });
      expect(run.result.conclusion).toBe('failure');
      expect(step(run, 'Deploy the API')?.status).toBe('success');
      expect(step(run, 'Smoke test the new version')?.status).toBe('failure');
      expect(step(run, 'Roll back the API')?.status, run.printed).toBe('success');
      expect(step(run, 'Roll back the web front end')?.status, run.printed).toBe('success');
      expect(job(run, 'production')?.outputs['rolled-back']).toBe('true');
      expect(await servedVersion()).toBe(versionA);
      expect((await fetch(`${SITE}/`)).status).toBe(200);
      expect(slack.messages.at(-1)?.text).toContain('ROLLED BACK');
      expect(deploymentsOf('production').at(-1)!.statuses[0]!.state).toBe('failure');
      expect(run.printed).not.toContain(staging.secrets.SSH_PRIVATE_KEY!.split('\n')[1]!);
    },
    LONG,
  );
});
