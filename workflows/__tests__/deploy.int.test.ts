import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../test/fake-github';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../test/fake-slack';
import { stackEnv } from '../../test/stack-env';
import {
  DEPLOY_ENVIRONMENTS,
  edgeUrls,
  installEdgeByHand,
  writeRunnerCaFile,
  type RehearsalEdge,
} from '../src/rehearsal-env';
import { E2E_GITHUB_TOKEN, e2eEnvironment, runReal, type E2eRun } from './e2e';
import { REPO_ROOT } from './helpers';

// The real deploy workflows on the stack, with the real apps/api and apps/web images: staging builds
// them (twice, the second build reuses buildah's layers), production and the rollback case deploy
// those same images by digest. Each deploy also deploys the edge (apps/proxy on the stack's nginx,
// edge-deploy), whose certificate ssl-renew.yml ordered from the stack's Pebble first, and the smoke
// test goes through it over HTTPS, trusting Pebble's root only. App names, slot ports and the edge's
// ports are the test's own, so a rehearsal's `api`/`web` (3001/3002, 3011/3012) are left alone.
const stack = stackEnv();
const work = join(stack.STACK_DIR!, 'e2e', 'deploy-edge');
mkdirSync(work, { recursive: true, mode: 0o700 });
if (!existsSync(join(work, 'acme-account.key')))
  execFileSync(join(REPO_ROOT, 'scripts/acme-account'), [join(work, 'acme-account.key')], {
    stdio: 'ignore',
  });
const EDGE: RehearsalEdge = {
  domains: ['deploy.e2e.contextai.test'],
  httpsPort: 8444,
  internalPort: 8282,
  // Outside the root-only e2e directory: nginx (the deploy user) reads the certificate there.
  dir: join(stack.STACK_DIR!, 'e2e-edge'),
  configPath: join(stack.STACK_NGINX_CONFD!, 'e2e-deploy.conf'),
  accessLog: join(stack.STACK_NGINX_PREFIX!, 'logs', 'e2e-deploy.access.json.log'),
  caFile: join(work, 'edge-ca.pem'),
  acmeAccountKey: readFileSync(join(work, 'acme-account.key'), 'utf8'),
  runnerCaFile: join(work, 'runner-ca.pem'),
};
writeRunnerCaFile(EDGE.runnerCaFile, stack);
const SITE = edgeUrls(EDGE).siteUrl;
// A cold build of both images takes ~3 min on 2 idle cores, and over 10 min when other work loads
// the machine (measured: load 15 on 2 cores): the staging test builds twice.
const LONG = 1_800_000;

/** nginx runs as the deploy user: test and reload it as that user. */
const asDeploy = (command: string) =>
  execFileSync('setpriv', [
    `--reuid=${stack.STACK_SSH_USER}`,
    `--regid=${stack.STACK_SSH_USER}`,
    '--init-groups',
    ...command.split(' '),
  ]);

/** GET through the edge over HTTPS: the site's name in SNI and Host, Pebble's root the only CA. */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: EDGE.httpsPort,
        path,
        servername: EDGE.domains[0],
        headers: { host: `${EDGE.domains[0]}:${EDGE.httpsPort}` },
        ca: readFileSync(EDGE.caFile),
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function servedVersion(): Promise<string> {
  return (JSON.parse((await get('/api/version')).body) as { version: string }).version;
}

/** Resolves once nothing accepts connections on `port` any more (nginx's old workers have gone). */
async function portClosed(port: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`127.0.0.1:${port} still accepts connections after the edge was removed`);
}

const job = (run: E2eRun, id: string) => run.result.jobs.find((j) => j.id === id);
const step = (run: E2eRun, name: string) => run.result.steps.find((s) => s.name === name);

describe('deploy workflows on the stack', () => {
  const env = e2eEnvironment('deploy', EDGE);
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
    const user = stack.STACK_SSH_USER!;
    execFileSync('install', ['-d', '-o', user, '-g', user, staging.vars.DEPLOY_ROOT!]);
    // The edge host's first installation (placeholder certificate, the rendered edge), then the
    // certificate from Pebble by the real ssl-renew.yml, then Pebble's root as the only trusted CA.
    installEdgeByHand(stack, EDGE, { root: staging.vars.DEPLOY_ROOT!, apiApp: 'e2e-api', webApp: 'e2e-web' });
    asDeploy(stack.STACK_NGINX_TEST!);
    asDeploy(stack.STACK_NGINX_RELOAD!);
    const renew = await runReal('ssl-renew.yml', env, {
      event: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { force: 'true' },
    });
    expect(renew.result.conclusion, renew.printed).toBe('success');
    writeFileSync(
      EDGE.caFile,
      execFileSync('curl', [
        '-fsS',
        '--cacert',
        stack.STACK_ACME_CA!,
        `${stack.STACK_ACME_MANAGEMENT}/roots/0`,
      ]),
    );
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
    // Off the stack's nginx again: its HTTP listener is Pebble's validation port, which other suites'
    // edges bind, and their rendered edges would clash with this one in the same nginx.
    rmSync(EDGE.configPath, { force: true });
    asDeploy(stack.STACK_NGINX_RELOAD!);
    await portClosed(Number(stack.STACK_ACME_HTTP_PORT));
  }, LONG);

  it(
    'deploy-staging.yml builds the real apps and deploys the edge and a new version behind it, smoke-tested over HTTPS (push to develop)',
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
      expect(step(first, 'Deploy the edge')?.status, first.printed).toBe('success');
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
      // The web front end serves through the same edge, and reached the API server-side through the
      // edge's internal listener (its API_URL).
      const home = await get('/');
      expect(home.status).toBe(200);
      expect(home.body).toContain('Context.AI');
      expect(home.body).toContain('data-testid="api-readiness">ready');
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
      expect((await get('/')).status).toBe(200);
      expect(slack.messages.at(-1)?.text).toContain('ROLLED BACK');
      expect(deploymentsOf('production').at(-1)!.statuses[0]!.state).toBe('failure');
      expect(run.printed).not.toContain(staging.secrets.SSH_PRIVATE_KEY!.split('\n')[1]!);
    },
    LONG,
  );
});
