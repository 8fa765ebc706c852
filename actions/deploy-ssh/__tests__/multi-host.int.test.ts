// Two hosts, the second failing after the first has switched: the first is switched back, so the
// fleet never ends on mixed versions. Host 1 is the stack's sshd. Host 2 is a second sshd in its
// own MOUNT namespace, where the deploy root, the engine's storage (`--root`/`--runroot`) and the
// nginx prefix are bind-mounted from host-2 directories: the same inputs touch host-specific paths,
// as on two machines. Host 2 has its own nginx, so what it serves is observable too. Both hosts
// share the network namespace; the slot-port layout is explained in docs/DEPLOY.md
// ("Testing the multi-host undo").
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { waitForPort } from '../../../test/net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../../../test/run-action';
import {
  buildTestImage,
  currentVersion,
  startLoad,
  type Load,
  type LoadStats,
  type TestImage,
} from '../../../test/deploy-load';
import { quoteArg } from '../../lib/ssh/shell';
import { freePort, readStackEnv, startTestSshd, type TestSshd } from '../../../test/ssh-server';
import { deployFixture, type DeployFixture } from '../../../test/deploy-fixture';

const stack = readStackEnv();
const words = (text: string) => text.trim().split(/\s+/);
/** The run's slot pair; host 1's v1 takes the first slot. */
const RUN_PORTS = '3241,3242';
/** Host 2's v1 lives outside the run's pair: in the shared network namespace it would clash with host 1's. */
const HOST2_SETUP_PORTS = '3243,3244';
const BROKEN_DIRECTIVE = 'deliberately_broken_on_host_2';

const images = {} as Record<'v1' | 'v2', TestImage>;
let fx: DeployFixture;
let host2: SecondHost;
const loads: Load[] = [];

interface AuditEntry {
  action: string;
  version: string;
  previous: string | null;
  result: string;
  error?: string;
}

/** One host's files, as the host sees them under its deploy root. */
function appFiles(root: string, app: string) {
  const file = (name: string) => {
    const path = join(root, app, name);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  return {
    upstream: () => file('upstream.conf'),
    state: () => file('state.json'),
    current: () => file('current')?.trim(),
    locked: () => existsSync(join(root, app, 'lock')),
    audit: () =>
      (file('releases.log') ?? '')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEntry),
  };
}

/** Names of the app's running containers, from an engine argv prefix. */
function running(engine: string[], app: string): string[] {
  return execFileSync(
    engine[0]!,
    [...engine.slice(1), 'ps', '--filter', `label=contextai.app=${app}`, '--format', '{{.Names}}'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  )
    .split('\n')
    .filter(Boolean)
    .sort();
}

interface SecondHost {
  /** `127.0.0.1:<port>` as the action labels it. */
  label: string;
  knownHostsLine: string;
  nginxUrl: string;
  files: ReturnType<typeof appFiles>;
  /** Host 2's engine (the stack's podman flags), run inside host 2's mount namespace. */
  engine: string[];
  writeNginxConf(broken: boolean): void;
  startNginx(): Promise<void>;
  stopNginx(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Starts host 2: its directories, its nginx (as the deploy user, on a free port, reading host 2's
 * upstream.conf) and its sshd in a private mount namespace with the binds in place.
 */
async function startSecondHost(app: string, deployRoot: string): Promise<SecondHost> {
  const user = stack.STACK_SSH_USER!;
  const dir = mkdtempSync(join(tmpdir(), 'deploy-host2-'));
  chmodSync(dir, 0o755);
  const path = (...parts: string[]) => join(dir, ...parts);
  for (const sub of ['root', 'nginx', 'nginx/logs', 'nginx/temp'])
    execFileSync('install', ['-d', '-o', user, '-g', user, path(sub)]);
  mkdirSync(path('containers/root'), { recursive: true });
  mkdirSync(path('containers/runroot'), { recursive: true });

  const engineWords = words(stack.STACK_DEPLOY_ENGINE!);
  const flag = (name: string) => engineWords[engineWords.indexOf(name) + 1]!;
  const binds: Array<[string, string]> = [
    [path('root'), deployRoot],
    [path('nginx'), stack.STACK_NGINX_PREFIX!],
    [path('containers/root'), flag('--root')],
    [path('containers/runroot'), flag('--runroot')],
  ];

  const nginxPort = await freePort();
  // Absolute host-2 paths, valid in both namespaces: nginx runs in the root one, `nginx -t` and
  // `nginx -s reload` run in host 2's, through the stack's prefix that is bound to path('nginx').
  const conf = (broken: boolean) =>
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${path('nginx/nginx.pid')};`,
      `error_log ${path('nginx/logs/error.log')} notice;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${path('nginx/temp', t)};`,
      ),
      `  upstream host2_app { server 127.0.0.1:9 down; include ${path('root', app)}/upstream*.conf; }`,
      `  server { listen 127.0.0.1:${nginxPort}; location / { proxy_pass http://host2_app; proxy_next_upstream error timeout http_502 http_503; } }`,
      '}',
      broken ? `${BROKEN_DIRECTIVE};` : '',
      '',
    ].join('\n');
  const writeNginxConf = (broken: boolean) => writeFileSync(path('nginx/nginx.conf'), conf(broken));
  writeNginxConf(false);

  let nginx: ChildProcess | undefined;
  const startNginx = async () => {
    nginx = spawn(
      'setpriv',
      [
        '--reuid',
        user,
        '--regid',
        user,
        '--init-groups',
        '/usr/sbin/nginx',
        '-p',
        path('nginx'),
        '-c',
        path('nginx/nginx.conf'),
        '-e',
        path('nginx/logs/error.log'),
      ],
      { stdio: 'ignore', detached: true },
    );
    await waitForPort(nginxPort, nginx);
  };
  const stopNginx = () => stopByPid(nginx);
  await startNginx();

  const mounts = binds.map(([from, to]) => `mount --bind ${quoteArg(from)} ${quoteArg(to)}`).join(' && ');
  let sshd: TestSshd;
  try {
    sshd = await startTestSshd({
      dir: path('sshd'),
      user,
      authorizedKeys: join(stack.STACK_DIR!, 'ssh', 'authorized_keys'),
      wrap: (argv) => [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `${mounts} && exec "$@"`,
        'sh',
        ...argv,
      ],
    });
  } catch (error) {
    await stopNginx();
    throw error;
  }
  // sshd's own pid (unshare and sh exec it): the way into host 2's mount namespace.
  const sshdPid = readFileSync(path('sshd/sshd.pid'), 'utf8').trim();
  const engine = ['nsenter', '--target', sshdPid, '--mount', '--', ...words(stack.STACK_PODMAN!)];

  return {
    label: `127.0.0.1:${sshd.port}`,
    knownHostsLine: sshd.knownHostsLine,
    nginxUrl: `http://127.0.0.1:${nginxPort}`,
    files: appFiles(path('root'), app),
    engine,
    writeNginxConf,
    startNginx,
    stopNginx,
    cleanup: async () => {
      // Containers (their conmon) keep host 2's namespace alive: remove them from inside it first.
      try {
        const all = execFileSync(
          engine[0]!,
          [
            ...engine.slice(1),
            'ps',
            '-a',
            '--filter',
            `label=contextai.app=${app}`,
            '--format',
            '{{.Names}}',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        )
          .split('\n')
          .filter(Boolean);
        if (all.length > 0)
          execFileSync(engine[0]!, [...engine.slice(1), 'rm', '-f', ...all], { stdio: 'ignore' });
      } finally {
        await sshd.stop();
        await stopNginx();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function stopByPid(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    process.kill(child.pid!, 'SIGTERM');
  });
}

const hostEngine = () => words(stack.STACK_PODMAN!);

/** Deploys to both hosts in order, one at a time. */
const deployBoth = (image: TestImage) =>
  runAction('deploy-ssh', {
    ...fx.inputs,
    hosts: `${fx.inputs.hosts}, ${host2.label}`,
    'known-hosts': `${fx.inputs['known-hosts']}\n${host2.knownHostsLine}\n`,
    'max-parallel': '1',
    image: image.ref,
    version: image.version,
  });

/** Starts steady load on both hosts' nginx (host 2's may be down: then only host 1). */
function startLoads(host2Too: boolean): { stop(): Promise<{ host1: LoadStats; host2?: LoadStats }> } {
  const host1 = startLoad(`${fx.siteUrl}/version`, { concurrency: 2, maxMs: 180_000 });
  const second = host2Too
    ? startLoad(`${host2.nginxUrl}/version`, { concurrency: 1, maxMs: 180_000 })
    : undefined;
  loads.push(host1, ...(second ? [second] : []));
  return {
    stop: async () => ({ host1: await host1.stop(), host2: await second?.stop() }),
  };
}

/** What must hold after a run that failed on host 2 and was undone on host 1. */
async function expectBothBackOnV1(run: ActionRun, host2Before: { upstream?: string; state?: string }) {
  const host1 = appFiles(fx.root, fx.app);
  expect(run.code, run.stdout).toBe(1);
  expect(run.outputs).toMatchObject({ version: 'v2', 'previous-version': 'v1', 'rolled-back': 'true' });
  expect(run.stdout).toContain(`The hosts switched in this run were switched back: ${fx.inputs.hosts}.`);
  expect(run.stdout).not.toContain('MIXED VERSIONS');
  expect(run.summary).toContain('switched back');

  // Host 1: switched to v2, then back: upstream, state, current file, containers and nginx agree on v1.
  expect(run.stdout).toContain(`[${fx.inputs.hosts}] proxy switched to ${fx.app}-v2`);
  expect(run.stdout).toContain(`[${fx.inputs.hosts}] switching back to v1`);
  expect(host1.upstream()).toMatch(/^server 127\.0\.0\.1:3241 max_fails=0;$/m);
  expect(JSON.parse(host1.state()!)).toMatchObject({
    current: { version: 'v1', port: 3241 },
    retained: [{ version: 'v2', port: 3242 }],
  });
  expect(host1.current()).toBe('v1');
  expect(running(hostEngine(), fx.app)).toEqual([`${fx.app}-v1`]);
  expect(await currentVersion(fx.siteUrl)).toBe('v1');
  expect(host1.audit().at(-1)).toMatchObject({
    action: 'deploy',
    version: 'v2',
    previous: 'v1',
    result: 'undone',
  });
  expect(host1.locked()).toBe(false);

  // Host 2: never switched: same upstream.conf and state, only v1 runs, its audit entry says why.
  expect(host2.files.upstream()).toBe(host2Before.upstream);
  expect(host2.files.state()).toBe(host2Before.state);
  expect(host2.files.current()).toBe('v1');
  expect(running(host2.engine, fx.app)).toEqual([`${fx.app}-v1`]);
  expect(host2.files.audit().at(-1)).toMatchObject({
    action: 'deploy',
    version: 'v2',
    previous: 'v1',
    result: 'failed',
  });
  expect(host2.files.locked()).toBe(false);
}

beforeAll(async () => {
  const repo = `deploytest/multi-${process.pid}`;
  images.v1 = buildTestImage(stack, repo, 'v1');
  images.v2 = buildTestImage(stack, repo, 'v2');
  fx = await deployFixture(stack, 'multi-host', RUN_PORTS);
  host2 = await startSecondHost(fx.app, fx.root);

  // v1 on each host, one run per host (their v1 slots must differ: one network namespace).
  const first = await runAction('deploy-ssh', { ...fx.inputs, image: images.v1.ref, version: 'v1' });
  expect(first.code, first.stdout).toBe(0);
  const second = await runAction('deploy-ssh', {
    ...fx.inputs,
    hosts: host2.label,
    'known-hosts': host2.knownHostsLine,
    ports: HOST2_SETUP_PORTS,
    image: images.v1.ref,
    version: 'v1',
  });
  expect(second.code, second.stdout).toBe(0);
  expect(await currentVersion(fx.siteUrl)).toBe('v1');
  expect(await currentVersion(host2.nginxUrl)).toBe('v1');
});

afterAll(async () => {
  await Promise.allSettled(loads.map((load) => load.stop()));
  await host2?.cleanup();
  fx?.cleanup();
});

describe('deploy-ssh on two hosts, the second failing', () => {
  it('keeps the hosts apart: each has its own deploy root, storage and nginx', () => {
    expect(appFiles(fx.root, fx.app).upstream()).toMatch(/127\.0\.0\.1:3241 /);
    expect(host2.files.upstream()).toMatch(/127\.0\.0\.1:3243 /);
    expect(running(hostEngine(), fx.app)).toEqual([`${fx.app}-v1`]);
    expect(running(host2.engine, fx.app)).toEqual([`${fx.app}-v1`]);
  });

  it('host 2 rejects the proxy config after host 1 switched: host 1 is switched back, no mixed versions, no failed request', async () => {
    host2.writeNginxConf(true);
    const before = { upstream: host2.files.upstream(), state: host2.files.state() };
    const load = startLoads(true);
    const run = await deployBoth(images.v2);
    const stats = await load.stop();
    host2.writeNginxConf(false);

    expect(run.stdout).toMatch(
      new RegExp(
        `${host2.label}: the proxy rejected the new configuration \\(.+ exited 1\\); upstream\\.conf was restored and ${fx.app}-v2 stopped`,
      ),
    );
    expect(run.stdout).toContain(`unknown directive "${BROKEN_DIRECTIVE}"`);
    await expectBothBackOnV1(run, before);
    expect(host2.files.audit().at(-1)!.error).toContain('the proxy rejected the new configuration');
    expect(await currentVersion(host2.nginxUrl)).toBe('v1');

    // Host 1 served v2 between its switch and the undo; host 2 never did; no request failed.
    expect(stats.host1.failed, JSON.stringify(stats.host1.errors)).toBe(0);
    expect(Object.keys(stats.host1.versions)).toEqual(['v1', 'v2']);
    expect(stats.host2!.failed, JSON.stringify(stats.host2!.errors)).toBe(0);
    expect(Object.keys(stats.host2!.versions)).toEqual(['v1']);
  });

  it('host 2 cannot reload its proxy (nginx down): its upstream.conf is put back and v2 stopped; host 1 is switched back', async () => {
    await host2.stopNginx();
    const before = { upstream: host2.files.upstream(), state: host2.files.state() };
    const load = startLoads(false);
    const run = await deployBoth(images.v2);
    const stats = await load.stop();
    await host2.startNginx();

    expect(run.stdout).toMatch(
      new RegExp(
        `${host2.label}: the proxy reload failed \\(.+ exited 1\\); upstream\\.conf was restored and ${fx.app}-v2 stopped`,
      ),
    );
    await expectBothBackOnV1(run, before);
    expect(await currentVersion(host2.nginxUrl)).toBe('v1');
    expect(stats.host1.failed, JSON.stringify(stats.host1.errors)).toBe(0);
  });

  it('once host 2 is healthy again, the same deploy switches both hosts to v2', async () => {
    const run = await deployBoth(images.v2);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ version: 'v2', 'previous-version': 'v1', 'rolled-back': 'false' });
    expect(await currentVersion(fx.siteUrl)).toBe('v2');
    expect(await currentVersion(host2.nginxUrl)).toBe('v2');
    expect(running(hostEngine(), fx.app)).toEqual([`${fx.app}-v2`]);
    expect(running(host2.engine, fx.app)).toEqual([`${fx.app}-v2`]);
    expect(appFiles(fx.root, fx.app).audit().at(-1)).toMatchObject({ version: 'v2', result: 'success' });
    expect(host2.files.audit().at(-1)).toMatchObject({ version: 'v2', result: 'success' });
  });
});
