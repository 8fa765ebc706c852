// deploy-ssh and rollback, bundled, against the stack: sshd (deploy user), podman via sudo, the
// registry and nginx. Tiny busybox images v1, v2 and a never-healthy one are built here.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { buildTestImage, currentVersion, startLoad, type TestImage } from '../../../test/deploy-load';
import { readStackEnv, startTestSshd, type TestSshd } from '../../../test/ssh-server';
import { deployFixture, type DeployFixture } from '../../../test/deploy-fixture';

const stack = readStackEnv();
const ENV_CANARY = 'canary-env-value-5f2e9a';
const images: Record<'v1' | 'v2' | 'bad', TestImage> = {} as never;
let fx: DeployFixture;
let sshd: TestSshd;
let sshdDir: string;

const keyBody = () => fx.inputs['private-key']!.split('\n')[1]!;
function expectNoSecrets(run: ActionRun): void {
  const printed = everythingPrinted(run);
  expect(printed).not.toContain(ENV_CANARY);
  expect(printed).not.toContain(keyBody());
}
const deploy = (image: TestImage, extra: Record<string, string> = {}) =>
  runAction('deploy-ssh', {
    ...fx.inputs,
    image: image.ref,
    version: image.version,
    env: `API_TOKEN="${ENV_CANARY}"\nMODE=test\n`,
    'metrics-ports': '3291,3292',
    'metrics-env': 'staging',
    'log-max-size': '1m',
    'log-max-files': '3',
    ...extra,
  });
/** `<root>/metrics-targets/<app>.json` as Prometheus reads it (file_sd). */
const metricsTarget = () =>
  JSON.parse(readFileSync(join(fx.root, 'metrics-targets', `${fx.app}.json`), 'utf8')) as unknown;
const expectTarget = (version: string, slot: 'blue' | 'green', port: number) =>
  expect(metricsTarget()).toEqual([
    { targets: [`127.0.0.1:${port}`], labels: { app: fx.app, env: 'staging', version, slot } },
  ]);
const inspect = (version: string, format: string) =>
  podman('container', 'inspect', '--format', format, `${fx.app}-${version}`).stdout.trim();
const podman = (...args: string[]) => {
  const engine = stack.STACK_PODMAN!.split(/\s+/);
  return spawnSync(engine[0]!, [...engine.slice(1), ...args], { encoding: 'utf8' });
};
const containerExists = (name: string) => podman('container', 'exists', name).status === 0;
const imageExists = (id: string) => podman('image', 'exists', id).status === 0;
/** Image id of a release's container, recorded after each deploy for the image-cleanup test. */
const imageIds: Record<string, string> = {};
function recordImage(version: string): void {
  imageIds[version] = podman(
    'container',
    'inspect',
    '--format',
    '{{.Image}}',
    `${fx.app}-${version}`,
  ).stdout.trim();
}
/** Like a host that only pulls: push, then drop the build's own copy from the shared storage. */
const built: TestImage[] = [];
function buildPulledImage(version: string, healthy = true): TestImage {
  const image = buildTestImage(stack, `deploytest/${process.pid}`, version, healthy);
  podman('image', 'rm', `${stack.STACK_REGISTRY}/deploytest/${process.pid}:${version}`);
  built.push(image);
  return image;
}
const auditLog = () =>
  readFileSync(join(fx.root, fx.app, 'releases.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { action: string; version: string; result: string });

beforeAll(async () => {
  images.v1 = buildPulledImage('v1');
  images.v2 = buildPulledImage('v2');
  images.bad = buildPulledImage('v3-unhealthy', false);
  fx = await deployFixture(stack, 'deploy-int', '3201,3202');
  sshdDir = mkdtempSync(join(tmpdir(), 'deploy-sshd-'));
  sshd = await startTestSshd({
    dir: sshdDir,
    user: stack.STACK_SSH_USER!,
    authorizedKeys: join(stack.STACK_DIR!, 'ssh', 'authorized_keys'),
  });
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(sshdDir, { recursive: true, force: true });
  fx?.cleanup();
  // The images this file pulled (the stack's storage is shared and grows fast).
  for (const image of built) podman('image', 'rm', image.ref);
});

describe('deploy-ssh', () => {
  it('rejects metacharacters, newlines and traversal before any connection, listing every bad input', async () => {
    await new Promise((r) => setTimeout(r, 300)); // let sshd log the readiness probe of beforeAll
    const logBefore = sshd.log().length;
    const run = await runAction('deploy-ssh', {
      ...fx.inputs,
      hosts: `127.0.0.1:${sshd.port}, deploy@evil;reboot`,
      'known-hosts': sshd.knownHostsLine,
      app: '../etc',
      version: 'v1\nrm -rf /',
      image: 'registry/app:$(id)',
      engine: 'docker; reboot',
      'pre-switch-command': 'npm run migrate && reboot',
    });
    expect(run.code).toBe(1);
    for (const input of ['hosts', 'app', 'version', 'image', 'engine', 'pre-switch-command'])
      expect(run.stdout).toContain(`\`${input}\``);
    expect(sshd.log().slice(logBefore)).not.toMatch(/Connection from/);
    expectNoSecrets(run);
  });

  it('deploys v1, then v2 under steady load with zero failed requests', async () => {
    const first = await deploy(images.v1);
    expect(first.code, first.stdout).toBe(0);
    recordImage('v1');
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
    const envFile = join(fx.root, fx.app, 'env', 'v1.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(fx.root, fx.app, 'env')).mode & 0o777).toBe(0o700);
    expect(readFileSync(envFile, 'utf8')).toBe(`API_TOKEN=${ENV_CANARY}\nMODE=test\n`);
    expectTarget('v1', 'blue', 3291);
    expect(inspect('v1', '{{json .Config.Env}}')).toContain('"METRICS_PORT=3291"');
    // podman runs json-file as its k8s-file (inspect keeps the name) and keeps max-size, not max-file
    expect(inspect('v1', '{{.HostConfig.LogConfig.Type}} {{.HostConfig.LogConfig.Size}}')).toBe(
      'json-file 1MB',
    );

    const load = startLoad(`${fx.siteUrl}/version`, { concurrency: 4, maxMs: 150_000 });
    await load.until(500, 30_000);
    const second = await deploy(images.v2);
    await load.until(10_000, 120_000);
    const stats = await load.stop();

    expect(second.code, second.stdout).toBe(0);
    recordImage('v2');
    expect(second.outputs).toMatchObject({ version: 'v2', 'previous-version': 'v1', 'rolled-back': 'false' });
    expect(stats.sent).toBeGreaterThanOrEqual(10_000);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(Object.keys(stats.versions)).toEqual(['v1', 'v2']);
    expect(await currentVersion(fx.siteUrl)).toBe('v2');
    expect(second.summary).toContain('v2');
    expectTarget('v2', 'green', 3292);
    expect(readdirSync(join(fx.root, 'metrics-targets'))).toEqual([`${fx.app}.json`]);
    expectNoSecrets(first);
    expectNoSecrets(second);
  });

  it('refuses an image that never becomes healthy: v2 keeps serving, zero failed requests', async () => {
    const load = startLoad(`${fx.siteUrl}/version`, { concurrency: 2, maxMs: 90_000 });
    const run = await deploy(images.bad, { 'health-timeout': '3s' });
    const stats = await load.stop();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/-v3-unhealthy did not answer \/health with 2xx within 3\.0s/);
    expect(run.stdout).toContain('v2 keeps serving');
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(Object.keys(stats.versions)).toEqual(['v2']);
    expect(await currentVersion(fx.siteUrl)).toBe('v2');
    expect(auditLog().at(-1)).toMatchObject({ version: 'v3-unhealthy', result: 'failed' });
    expectTarget('v2', 'green', 3292);
    expectNoSecrets(run);
  });

  it('rolls back to the previous successful release under load: no pull, v1 within 5 s, zero failures', async () => {
    const load = startLoad(`${fx.siteUrl}/version`, { concurrency: 4, maxMs: 90_000 });
    await load.until(300, 30_000);
    const started = Date.now();
    const run = await runAction('rollback', { ...fx.inputs });
    await load.until(load.stats.sent + 300, 30_000);
    const stats = await load.stop();
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v1', 'previous-version': 'v2' });
    expect(run.stdout).not.toMatch(/pulled/);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.firstSeen.v1! - started).toBeLessThan(5_000);
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
    expect(auditLog().at(-1)).toMatchObject({ action: 'rollback', version: 'v1', result: 'success' });
    expectTarget('v1', 'blue', 3291); // the retained v1 booted on its own slot
    expectNoSecrets(run);
  });

  it('refuses a version that is not retained, before changing anything', async () => {
    const run = await runAction('rollback', { ...fx.inputs, version: 'v0-never-deployed' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('version v0-never-deployed is not retained on');
    expect(await currentVersion(fx.siteUrl)).toBe('v1');
  });

  it.each([
    [
      'a wrong pinned key',
      () =>
        `[127.0.0.1]:${sshd.port} ${readFileSync(join(stack.STACK_DIR!, 'ssh', 'host_ed25519.pub'), 'utf8')
          .split(' ')
          .slice(0, 2)
          .join(' ')}`,
      /does not match the key pinned/,
    ],
    [
      'a host missing from known-hosts',
      () => readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'),
      /is not listed in known-hosts/,
    ],
  ])('refuses %s before authentication: no session, no new file', async (_, knownHosts, message) => {
    const before = readdirSync(join(fx.root, fx.app)).sort();
    const logBefore = sshd.log().length;
    const run = await deploy(images.v2, { hosts: `127.0.0.1:${sshd.port}`, 'known-hosts': knownHosts() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(message);
    const log = sshd.log().slice(logBefore);
    expect(log).toMatch(/Connection from 127\.0\.0\.1/);
    expect(log).not.toMatch(/Accepted|Postponed|Starting session/);
    expect(readdirSync(join(fx.root, fx.app)).sort()).toEqual(before);
    expectNoSecrets(run);
  });

  it('serializes two deploys started at once with the lock; both are in the audit log', async () => {
    const entriesBefore = auditLog().length;
    const [a, b] = await Promise.all([
      deploy(images.v2),
      deploy({ ref: images.v2.ref, version: 'v2-again' }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const waited = [a, b].filter((r) => r.stdout.includes('waiting up to'));
    expect(waited).toHaveLength(1);
    const added = auditLog().slice(entriesBefore);
    expect(added.map((e) => e.result)).toEqual(['success', 'success']);
    expect(added.map((e) => e.version).sort()).toEqual(['v2', 'v2-again']);
    expect(readFileSync(join(fx.root, fx.app, 'current'), 'utf8').trim()).toBe(added[1]!.version);
    expect(readdirSync(join(fx.root, fx.app))).not.toContain('lock');
  });

  it('fails on a held lock after lock-timeout, naming the holder, and never breaks it', async () => {
    const { execFileSync } = await import('node:child_process');
    const lock = join(fx.root, fx.app, 'lock');
    execFileSync('install', ['-d', '-o', stack.STACK_SSH_USER!, lock]);
    execFileSync('sh', [
      '-c',
      `echo '{"actor":"alice","run":"r1","runner":"laptop","pid":1,"since":"2020-01-01T00:00:00Z"}' > ${lock}/owner`,
    ]);
    try {
      const run = await deploy(images.v2, { 'lock-timeout': '2s' });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/lock .* is held by alice \(run r1 on laptop/);
      expect(run.stdout).toContain('STALE');
      expect(readFileSync(join(lock, 'owner'), 'utf8')).toContain('alice');
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  });

  it('runs the pre-switch command once, in the new image with the env file, before the switch', async () => {
    const v4 = buildPulledImage('v4');
    const run = await deploy(v4, { 'pre-switch-command': '/bin/busybox env -u API_TOKEN' });
    expect(run.code, run.stdout).toBe(0);
    recordImage('v4');
    const ran = run.stdout.indexOf('pre-switch command `/bin/busybox env -u API_TOKEN` succeeded');
    expect(ran).toBeGreaterThan(0);
    expect(run.stdout.indexOf('proxy switched')).toBeGreaterThan(ran);
    expect(run.stdout).toMatch(/output of the pre-switch command[^\n]*\n(.*\n)*MODE=test\n/);
    expect(run.summary).toMatch(/Pre-switch command `\/bin\/busybox env -u API_TOKEN` succeeded on/);
    expect(containerExists(`${fx.app}-v4-pre-switch`)).toBe(false);
    expect(await currentVersion(fx.siteUrl)).toBe('v4');
    expectNoSecrets(run);
  });

  it('fails on a failing pre-switch command with its output: nothing booted or switched, v4 serves', async () => {
    const v5 = buildPulledImage('v5');
    const load = startLoad(`${fx.siteUrl}/version`, { concurrency: 2, maxMs: 60_000 });
    const run = await deploy(v5, { 'pre-switch-command': '/bin/busybox ls /no-such-dir' });
    const stats = await load.stop();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('the pre-switch command `/bin/busybox ls /no-such-dir` exited 1');
    expect(run.stdout).toContain('nothing was switched and v4 keeps serving');
    expect(run.stdout).toMatch(/no-such-dir: No such file or directory/);
    expect(containerExists(`${fx.app}-v5`)).toBe(false);
    expect(stats.failed).toBe(0);
    expect(Object.keys(stats.versions)).toEqual(['v4']);
    expect(await currentVersion(fx.siteUrl)).toBe('v4');
    expect(auditLog().at(-1)).toMatchObject({ version: 'v5', result: 'failed' });
    expectNoSecrets(run);
  });

  it('removes the images of pruned releases: only the kept releases keep theirs', async () => {
    for (const version of ['v6', 'v7', 'v8']) {
      // v8 serves no metrics: its switch removes the target, so nothing points at v7's stopped slot
      const metrics: Record<string, string> = version === 'v8' ? { 'metrics-ports': '' } : {};
      const run = await deploy(buildPulledImage(version), { 'keep-releases': '1', ...metrics });
      expect(run.code, run.stdout).toBe(0);
      recordImage(version);
    }
    // keep-releases 1: v8 serves, v7 is retained; every older release's image is gone.
    const present = Object.entries(imageIds)
      .filter(([, id]) => imageExists(id))
      .map(([version]) => version);
    expect(present.sort()).toEqual(['v7', 'v8']);
    expect(readdirSync(join(fx.root, 'metrics-targets'))).toEqual([]);
    expect(await currentVersion(fx.siteUrl)).toBe('v8');
    // The pruned releases' env files (secrets) went with them.
    const envFiles = readdirSync(join(fx.root, fx.app, 'env'));
    expect(envFiles).toEqual(expect.arrayContaining(['v7.env', 'v8.env']));
    for (const pruned of ['v1.env', 'v2.env', 'v4.env', 'v6.env']) expect(envFiles).not.toContain(pruned);
  });

  it('verifies the switch through the proxy: a reload that exits 0 without effect is reverted, v8 serves', async () => {
    const v9 = buildPulledImage('v9');
    const verify = { 'verify-url': `${fx.siteUrl}/version`, 'health-timeout': '5s' };
    // `true` exits 0 and reloads nothing: the proxy keeps sending requests to v8.
    const run = await deploy(v9, { ...verify, 'proxy-reload': 'true' });
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(
      /the proxy did not serve v9 at http:\/\/127\.0\.0\.1:\d+\/version within .+ after the reload \(last answer: version v8\)/,
    );
    expect(run.stdout).toContain('upstream.conf was restored');
    expect(
      podman('container', 'inspect', '--format', '{{.State.Running}}', `${fx.app}-v9`).stdout.trim(),
    ).toBe('false');
    expect(await currentVersion(fx.siteUrl)).toBe('v8');
    expect(readFileSync(join(fx.root, fx.app, 'current'), 'utf8').trim()).toBe('v8');

    const verified = await deploy(v9, verify);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain(`${fx.siteUrl}/version answers v9 through the proxy`);
    expect(await currentVersion(fx.siteUrl)).toBe('v9');
  });
});
