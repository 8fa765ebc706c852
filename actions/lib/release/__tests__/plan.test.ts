import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../ssh/shell';
import { engineEnvFile, envValues } from '../env-file';
import * as plan from '../plan';
import { afterSwitch, parseAuditLog, parseState, previousSuccessful, prune } from '../state';
import type { Remote } from '../remote';
import { nextRelease } from '../switch';
import type { AppState, HostSettings, ImageTarget, Release } from '../types';

const settings: HostSettings = {
  app: 'api',
  root: '/srv/deploy/',
  engine: ['sudo', '-n', 'podman', '--storage-driver', 'vfs'],
  ports: [3001, 3002],
  healthPath: '/health',
  healthTimeoutMs: 60_000,
  proxyReload: ['nginx', '-s', 'reload'],
  proxyTest: ['nginx', '-t'],
  drainMs: 5_000,
  keepReleases: 2,
  lockTimeoutMs: 600_000,
};
const run = { network: 'host', containerPort: 3000, runArgs: ['--ulimit', 'nofile=1024:1024'] } as const;
const target = (version: string, image: string, network: 'host' | 'bridge' = 'host'): ImageTarget => ({
  kind: 'image',
  version,
  image,
  run: { ...run, runArgs: [...run.runArgs], network },
});
const release = (version: string, port: number): Release => ({
  version,
  image: `reg/api:${version}`,
  port,
  container: `api-${version}`,
  time: '2026-01-01T00:00:00Z',
  network: 'host',
  containerPort: 3000,
  runArgs: [],
});

describe('plan', () => {
  it('lays out the app directory under the root', () => {
    expect(plan.appLayout('/srv/deploy/', 'api')).toMatchObject({
      dir: '/srv/deploy/api',
      lock: '/srv/deploy/api/lock',
      upstream: '/srv/deploy/api/upstream.conf',
      upstreamTmp: '/srv/deploy/api/.upstream.conf.tmp',
      env: '/srv/deploy/api/app.env',
    });
  });

  it('alternates slot ports', () => {
    expect(plan.freeSlot([3001, 3002])).toBe(3001);
    expect(plan.freeSlot([3001, 3002], release('a', 3001))).toBe(3002);
    expect(plan.freeSlot([3001, 3002], release('a', 3002))).toBe(3001);
  });

  it('builds the run command for host and bridge networks, never pulling', () => {
    const host = plan.runContainerCommand(
      settings,
      { ...release('1.2.3', 3002), runArgs: [...run.runArgs] },
      'reg/api@sha256:ab',
      '/e',
    );
    expect(host.slice(0, 3)).toEqual(['sudo', '-n', 'podman']);
    expect(host).toEqual(
      expect.arrayContaining(['--pull', 'never', '--name', 'api-1.2.3', '--network', 'host', 'PORT=3002']),
    );
    expect(host.slice(-3)).toEqual(['--ulimit', 'nofile=1024:1024', 'reg/api@sha256:ab']);
    // Host network: both apps bind loopback only, whatever the env file says (--env wins over it).
    for (const bind of ['HOST=127.0.0.1', 'HOSTNAME=127.0.0.1']) {
      expect(host[host.indexOf(bind) - 1]).toBe('--env');
      expect(host.indexOf(bind)).toBeGreaterThan(host.indexOf('--env-file'));
    }
    const bridge = plan.runContainerCommand(
      settings,
      { ...release('1.2.3', 3001), network: 'bridge' },
      'img',
      '/e',
    );
    expect(bridge).toEqual(expect.arrayContaining(['--publish', '127.0.0.1:3001:3000']));
    expect(bridge).not.toContain('--network');
    expect(bridge.join(' ')).not.toContain('HOST');
  });

  it('quotes the lock command so the owner record cannot break out', () => {
    const owner = `{"actor":"x'; rm -rf / #"}`;
    const line = shellQuote(plan.lockCommand(plan.appLayout('/srv/deploy', 'api'), owner));
    expect(line).toContain(`'{"actor":"x'\\''; rm -rf / #"}'`);
  });

  it('writes upstream members that cannot mark the only server down', () => {
    expect(plan.upstreamConf(settings, release('v2', 3002))).toContain('server 127.0.0.1:3002 max_fails=0;');
  });
});

describe('state', () => {
  it('retains the old release first and prunes beyond keep-releases', () => {
    let state: AppState = { retained: [] };
    for (const [v, p] of [
      ['v1', 3001],
      ['v2', 3002],
      ['v3', 3001],
      ['v4', 3002],
    ] as const)
      state = afterSwitch(state, release(v, p));
    expect(state.current?.version).toBe('v4');
    expect(state.retained.map((r) => r.version)).toEqual(['v3', 'v2', 'v1']);
    const pruned = prune(state, 2);
    expect(pruned.state.retained.map((r) => r.version)).toEqual(['v3', 'v2']);
    expect(pruned.removed.map((r) => r.container)).toEqual(['api-v1']);
    // rolling back to v2 takes it out of the retained list and retains v4
    expect(afterSwitch(state, release('v2', 3001)).retained.map((r) => r.version)).toEqual([
      'v4',
      'v3',
      'v1',
    ]);
  });

  it('reads state.json, and refuses a corrupt one naming the file and the fix', () => {
    const file = 'host1:/srv/deploy/api/state.json';
    const state = { current: release('v2', 3002), retained: [release('v1', 3001)] };
    expect(parseState(JSON.stringify(state), file)).toEqual(state);
    expect(parseState(undefined, file)).toEqual({ retained: [] });
    expect(parseState('  \n', file)).toEqual({ retained: [] });
    for (const [text, why] of [
      ['{"current":{"version":"v2","por', 'it is not valid JSON'],
      ['[]', 'it is not a JSON object'],
      ['null', 'it is not a JSON object'],
      ['{"retained":{}}', '`retained` is not a list'],
      ['{"current":{"version":"v2"},"retained":[]}', 'a release in it lacks its version, container or port'],
    ] as const) {
      const parse = () => parseState(text, file);
      expect(parse, text).toThrow(`${file} is corrupt: ${why}`);
      expect(parse, text).toThrow(/Nothing was changed on this host.*rewrite it by hand.*docs\/DEPLOY\.md/s);
      expect(parse, text).not.toThrow(/^Unexpected/);
    }
  });

  it('finds the previous successful release, skipping failures and torn lines', () => {
    const log = [
      { version: 'v1', result: 'success' },
      { version: 'v2', result: 'success' },
      { version: 'v3', result: 'failed' },
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    const entries = parseAuditLog(`${log}\n{"version":"v4","res`);
    expect(entries).toHaveLength(3);
    expect(previousSuccessful(entries, 'v2')).toBe('v1');
    expect(previousSuccessful(entries, 'v1')).toBe('v2');
  });
});

describe('registry credentials for one pull', () => {
  const auth = { dir: '/tmp/contextai-pull.abc' };

  it("podman: an --authfile in the run's private directory, for login and pull", () => {
    expect(plan.loginCommand(settings, 'reg.example', 'puller', auth)).toEqual([
      'sudo',
      '-n',
      'podman',
      '--storage-driver',
      'vfs',
      'login',
      '--authfile',
      '/tmp/contextai-pull.abc/auth.json',
      '--username',
      'puller',
      '--password-stdin',
      'reg.example',
    ]);
    expect(plan.pullCommand(settings, 'reg.example/api:1', auth)).toEqual([
      'sudo',
      '-n',
      'podman',
      '--storage-driver',
      'vfs',
      'pull',
      '--authfile',
      '/tmp/contextai-pull.abc/auth.json',
      'reg.example/api:1',
    ]);
  });

  it('docker: the directory as its global --config, never ~/.docker/config.json', () => {
    const docker = { ...settings, engine: ['docker'] };
    expect(plan.loginCommand(docker, 'reg.example', 'puller', auth)).toEqual([
      'docker',
      '--config',
      '/tmp/contextai-pull.abc',
      'login',
      '--username',
      'puller',
      '--password-stdin',
      'reg.example',
    ]);
    expect(plan.pullCommand(docker, 'img', auth)).toEqual([
      'docker',
      '--config',
      '/tmp/contextai-pull.abc',
      'pull',
      'img',
    ]);
    expect(plan.pullCommand(docker, 'img')).toEqual(['docker', 'pull', 'img']);
  });

  it('makes a private directory and removes it', () => {
    expect(plan.makeAuthDirCommand()).toEqual(['mktemp', '-d', '/tmp/contextai-pull.XXXXXXXX']);
    expect(plan.removeAuthDirCommand(auth)).toEqual(['rm', '-rf', '--', '/tmp/contextai-pull.abc']);
  });

  it('sweeps only its own pull directories older than the given age', () => {
    expect(plan.sweepStaleAuthDirsCommand(30)).toEqual([
      'find',
      '/tmp',
      '-maxdepth',
      '1',
      '-type',
      'd',
      '-name',
      'contextai-pull.*',
      '-writable',
      '-mmin',
      '+30',
      '-print',
      '-exec',
      'rm',
      '-rf',
      '--',
      '{}',
      '+',
    ]);
  });
});

describe('verifying the switch through the proxy', () => {
  it('asks the proxy on the host, TLS checked against the real name', () => {
    expect(plan.verifyCommand(new URL('https://api.example.com/api/version'))).toEqual([
      'curl',
      '-fsS',
      '--max-time',
      '2',
      '--noproxy',
      '*',
      '--resolve',
      'api.example.com:443:127.0.0.1',
      'https://api.example.com/api/version',
    ]);
    expect(plan.verifyCommand(new URL('http://127.0.0.1:8080/version'))).toEqual([
      'curl',
      '-fsS',
      '--max-time',
      '2',
      '--noproxy',
      '*',
      'http://127.0.0.1:8080/version',
    ]);
  });

  it('reads the version the answer names, nothing else', () => {
    expect(plan.answeredVersion('{"version":"v2","revision":null}\n')).toBe('v2');
    for (const body of ['v2', '{"version":2}', '<h1>v2</h1>', ''])
      expect(plan.answeredVersion(body)).toBeUndefined();
  });
});

describe('env file per release', () => {
  const layout = plan.appLayout('/srv/deploy', 'api');
  const remote = { settings, layout } as unknown as Remote;

  it('gives a new release its own env file, and a retained one keeps the file it was deployed with', () => {
    const v2 = nextRelease(remote, target('v2', 'reg/api:v2'), release('v1', 3001));
    expect(v2.envFile).toBe('/srv/deploy/api/env/v2.env');
    const v1 = { ...release('v1', 3001), envFile: '/srv/deploy/api/env/v1.env' };
    // Rolling back to v1 after v3 took its slot: recreated from its image, with v1's env file.
    const back = nextRelease(remote, { kind: 'retained', release: v1 }, release('v3', 3001));
    expect(back.port).toBe(3002);
    expect(plan.envFileOf(layout, back)).toBe('/srv/deploy/api/env/v1.env');
    const run = plan.runContainerCommand(settings, back, 'sha256:1', plan.envFileOf(layout, back));
    expect(run[run.indexOf('--env-file') + 1]).toBe('/srv/deploy/api/env/v1.env');
    // Recorded before env files were per release: the app's former app.env.
    expect(plan.envFileOf(layout, release('v0', 3001))).toBe('/srv/deploy/api/app.env');
  });

  it('keeps the env directory private', () => {
    expect(plan.prepareEnvDirCommand(layout)).toEqual([
      'mkdir',
      '-p',
      '-m',
      '0700',
      '--',
      '/srv/deploy/api/env',
    ]);
  });
});

describe('engineEnvFile', () => {
  it('turns dotenv into literal KEY=value lines', () => {
    expect(engineEnvFile('# c\nexport A="x y"\nB=\'q\'\nC=1').text).toBe('A=x y\nB=q\nC=1\n');
  });

  it('refuses newlines in values, naming the variable but never the value', () => {
    expect(() => engineEnvFile('KEY="line1\nsecret-line2"')).toThrow(/`KEY` holds a newline/);
    expect(() => engineEnvFile('KEY="line1\nsecret-line2"')).not.toThrow(/secret-line2/);
  });
});

describe('envValues', () => {
  it('masks every value but those of the public settings, which are common words', () => {
    const env =
      'NODE_ENV=production\nAPP_ENV=production\nPORT=3000\nLOG_LEVEL=info\n' +
      'DATABASE_URL=postgres://u:pw@db/app\nSENTRY_DSN=\nAPI_TOKEN="t0k3n value"\n';
    expect(envValues(env)).toEqual(['postgres://u:pw@db/app', 't0k3n value']);
  });
});

describe('pre-switch command and image cleanup', () => {
  it('runs the command once in a one-off container of the new image with the env file and run flags', () => {
    expect(
      plan.preSwitchCommand(settings, target('v2', 'reg/api@sha256:ab'), '/srv/deploy/api/app.env', [
        'npm',
        'run',
        'migration:run',
      ]),
    ).toEqual([
      ...settings.engine,
      'run',
      '--rm',
      '--pull',
      'never',
      '--name',
      'api-v2-pre-switch',
      '--env-file',
      '/srv/deploy/api/app.env',
      '--ulimit',
      'nofile=1024:1024',
      '--network',
      'host',
      'reg/api@sha256:ab',
      'npm',
      'run',
      'migration:run',
    ]);
  });

  it('publishes no port on the bridge network (it is not a release)', () => {
    const argv = plan.preSwitchCommand(settings, target('v2', 'img', 'bridge'), '/e', ['true']);
    expect(argv).not.toContain('--network');
    expect(argv).not.toContain('--publish');
    expect(argv.slice(-2)).toEqual(['img', 'true']);
  });

  it('keeps the last output lines for the error message', () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    expect(plan.lastLines(`${text}\n\n`, 3)).toBe('line 28\nline 29\nline 30');
  });

  it('removes only the images of pruned releases that no kept release uses, once each', () => {
    expect(plan.imagesToRemove(['a', 'b', 'b', 'c', ''], ['c', 'd'])).toEqual(['a', 'b']);
    expect(plan.imagesToRemove(['a'], ['a'])).toEqual([]);
    expect(plan.imageRemoveCommand(settings, 'a')).toEqual([...settings.engine, 'image', 'rm', 'a']);
  });

  it('inspects the image ids of several containers in one command', () => {
    expect(plan.imageIdCommand(settings, 'api-v1', 'api-v2').slice(-2)).toEqual(['api-v1', 'api-v2']);
  });
});
