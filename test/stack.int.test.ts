// Integration test of the local stack (scripts/stack): every service used for real.
// Assumes the stack is up: `sudo scripts/stack up`.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pg from 'pg';
import { Client as SshClient, utils as sshUtils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, STACK_SCRIPT, parseStackEnv, stackEnv } from './stack-env.js';

const env = stackEnv();
const T = 120_000; // per-test timeout, in case the runner's default is shorter

// Every variable of the contract documented in docs/STACK.md.
const CONTRACT = [
  'STACK_DIR',
  'STACK_SSH_HOST',
  'STACK_SSH_PORT',
  'STACK_SSH_USER',
  'STACK_SSH_KEY',
  'STACK_SSH_KNOWN_HOSTS',
  'STACK_PODMAN',
  'STACK_BUILDAH',
  'STACK_DEPLOY_ENGINE',
  'STACK_PG_HOST',
  'STACK_PG_PORT',
  'STACK_PG_USER',
  'STACK_PG_PASSWORD',
  'STACK_PG_URL',
  'STACK_REDIS_URL',
  'STACK_NGINX_PORT',
  'STACK_NGINX_URL',
  'STACK_NGINX_CONF',
  'STACK_NGINX_PREFIX',
  'STACK_NGINX_CONFD',
  'STACK_NGINX_RELOAD',
  'STACK_NGINX_TEST',
  'STACK_REGISTRY',
  'STACK_ACME_DIRECTORY',
  'STACK_ACME_CA',
  'STACK_ACME_MANAGEMENT',
  'STACK_ACME_HTTP_PORT',
  'STACK_CHALLTESTSRV',
  'STACK_S3_ENDPOINT',
  'STACK_S3_BUCKET',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'STACK_PROMETHEUS_URL',
  'STACK_ALERTMANAGER_URL',
  'STACK_NODE_EXPORTER_URL',
  'STACK_POSTGRES_EXPORTER_URL',
  'STACK_REDIS_EXPORTER_URL',
  'STACK_NGINX_EXPORTER_URL',
  'STACK_BLACKBOX_URL',
  'STACK_PUSHGATEWAY_URL',
  'STACK_MTAIL_URL',
  'STACK_MONITORING_ENV',
  'STACK_DEPLOY_ROOT',
];

/** A command line from the env (these values hold no quotes: plain whitespace splitting). */
const words = (cmd: string): string[] => cmd.trim().split(/\s+/);

const run = (argv: string[], opts: { cwd?: string } = {}): string =>
  execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

// ---------------------------------------------------------------------------------------------
// small clients

interface HttpResult {
  status: number;
  body: string;
}

function httpGet(
  url: string,
  opts: { ca?: Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(u, { ca: opts.ca, headers: opts.headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The raw host key blob pinned for [host]:port in a known_hosts file. */
function pinnedHostKey(knownHosts: string, host: string, port: number): Buffer {
  const want = port === 22 ? host : `[${host}]:${port}`;
  for (const line of readFileSync(knownHosts, 'utf8').split('\n')) {
    const [hosts, , blob] = line.trim().split(/\s+/);
    if (!hosts || hosts.startsWith('#') || !blob) continue;
    if (hosts.split(',').includes(want)) return Buffer.from(blob, 'base64');
  }
  throw new Error(`no key for ${want} in ${knownHosts}`);
}

interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run one command as the stack's deploy user, accepting only the pinned host key. */
function sshExec(command: string, pinned: Buffer, onAuth: () => void = () => {}): Promise<SshResult> {
  const username = env.STACK_SSH_USER!;
  const key = readFileSync(env.STACK_SSH_KEY!);
  const conn = new SshClient();
  return new Promise((resolve, reject) => {
    conn.on('ready', () => {
      conn.exec(command, (err, stream) => {
        if (err) {
          conn.end();
          return reject(err);
        }
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('close', (code: number | null) => {
          conn.end();
          resolve({ code, stdout, stderr });
        });
      });
    });
    conn.on('error', reject);
    let attempts = 0;
    conn.connect({
      host: env.STACK_SSH_HOST,
      port: Number(env.STACK_SSH_PORT),
      username,
      readyTimeout: 15_000,
      // without hostHash, ssh2 hands over the raw key blob: compare it byte for byte
      hostVerifier: (hostKey: Buffer) => hostKey.equals(pinned),
      authHandler: (_left, _partial, next) => {
        onAuth();
        if (attempts++ > 0) return next(false as never);
        next({ type: 'publickey', username, key });
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('env contract', () => {
  it('provides every variable of the contract, with absolute paths', () => {
    for (const name of CONTRACT) expect(env[name], name).toBeTruthy();
    for (const name of [
      'STACK_DIR',
      'STACK_SSH_KEY',
      'STACK_SSH_KNOWN_HOSTS',
      'STACK_NGINX_CONF',
      'STACK_ACME_CA',
    ]) {
      expect(env[name]!.startsWith('/'), name).toBe(true);
    }
    expect(env.STACK_PG_URL).toBe(
      `postgres://postgres:${env.STACK_PG_PASSWORD}@${env.STACK_PG_HOST}:${env.STACK_PG_PORT}/postgres`,
    );
    expect(env.STACK_PG_PASSWORD).toMatch(/^[0-9a-f]{16,}$/);
    expect(env.STACK_DEPLOY_ENGINE).toBe(`sudo -n ${env.STACK_PODMAN}`);
  });

  it.each([
    ['eval', 'set -a; eval "$(bash "$0" env)"; set +a; env -0'],
    ['source <(...)', 'set -a; source <(bash "$0" env); set +a; env -0'],
  ])('gives a shell the same values through %s', (_name, script) => {
    const out = execFileSync('bash', ['-c', script, STACK_SCRIPT], { encoding: 'utf8' });
    const shellEnv = Object.fromEntries(
      out
        .split('\0')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    for (const name of CONTRACT) expect(shellEnv[name], name).toBe(env[name]);
  });

  it('parses quoting the way a shell does', () => {
    expect(parseStackEnv(`# c\nA=plain\nB='two words'\nexport C='it'\\''s'\nD="x\\"y"\n`)).toEqual({
      A: 'plain',
      B: 'two words',
      C: "it's",
      D: 'x"y',
    });
    expect(() => parseStackEnv('A=two words')).toThrow(/unquoted whitespace/);
    expect(() => parseStackEnv('A=$(id)')).toThrow(/unquoted/);
  });
});

describe('ssh', () => {
  const port = Number(env.STACK_SSH_PORT);
  const pinned = pinnedHostKey(env.STACK_SSH_KNOWN_HOSTS!, env.STACK_SSH_HOST!, port);

  it(
    'runs a command as deploy, with the pinned host key',
    async () => {
      const res = await sshExec('id -un', pinned);
      expect(res).toMatchObject({ code: 0, stdout: 'deploy\n' });
    },
    T,
  );

  it(
    'refuses a server whose key is not the pinned one, before any authentication',
    async () => {
      const other = sshUtils.generateKeyPairSync('ed25519').public; // "ssh-ed25519 AAAA…"
      const wrong = Buffer.from(other.split(' ')[1]!, 'base64');
      expect(wrong.equals(pinned)).toBe(false);
      let authenticated = false;
      await expect(sshExec('id -un', wrong, () => (authenticated = true))).rejects.toThrow(/verif/i);
      expect(authenticated).toBe(false);
    },
    T,
  );

  it(
    'lets deploy test and reload nginx, and picks up a site from conf.d',
    async () => {
      const nonce = randomBytes(6).toString('hex');
      const site = join(env.STACK_NGINX_CONFD!, `stack-int-test.conf`);
      const host = 'stack-int-test.invalid';
      writeFileSync(
        site,
        `server {\n  listen 127.0.0.1:${env.STACK_NGINX_PORT};\n  server_name ${host};\n` +
          `  location = /probe { default_type text/plain; return 200 "site ${nonce}"; }\n}\n`,
      );
      try {
        const res = await sshExec(`${env.STACK_NGINX_TEST} && ${env.STACK_NGINX_RELOAD}`, pinned);
        expect(res.stderr).toMatch(/test is successful/);
        expect(res.code).toBe(0);
        // reload is asynchronous: old workers finish, new ones take over
        let body = '';
        for (let i = 0; i < 50 && body !== `site ${nonce}`; i++) {
          body = (await httpGet(`${env.STACK_NGINX_URL}/probe`, { headers: { Host: host } })).body;
          if (body !== `site ${nonce}`) await new Promise((r) => setTimeout(r, 100));
        }
        expect(body).toBe(`site ${nonce}`);
      } finally {
        rmSync(site, { force: true });
        const res = await sshExec(env.STACK_NGINX_RELOAD!, pinned);
        expect(res.code).toBe(0);
      }
    },
    T,
  );

  it(
    'lets deploy run the container engine through sudo',
    async () => {
      const res = await sshExec(`${env.STACK_DEPLOY_ENGINE} version --format '{{.Client.Version}}'`, pinned);
      expect(res.stderr).toBe('');
      expect(res).toMatchObject({ code: 0 });
      expect(res.stdout.trim()).toMatch(/^\d+\.\d+/);
    },
    T,
  );
});

describe('postgres', () => {
  it(
    'answers SQL with password authentication',
    async () => {
      const client = new pg.Client({ connectionString: env.STACK_PG_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ user: string; version: string; n: number }>(
          "select current_user as user, current_setting('server_version_num') as version, $1::int + 1 as n",
          [41],
        );
        expect(rows[0]).toMatchObject({ user: 'postgres', n: 42 });
        expect(Number(rows[0]!.version)).toBeGreaterThanOrEqual(150000);
      } finally {
        await client.end();
      }
    },
    T,
  );

  it(
    'rejects a wrong password',
    async () => {
      const client = new pg.Client({
        host: env.STACK_PG_HOST,
        port: Number(env.STACK_PG_PORT),
        user: env.STACK_PG_USER,
        password: 'wrong',
        database: 'postgres',
      });
      await expect(client.connect()).rejects.toThrow(/password authentication failed/);
      await client.end().catch(() => {});
    },
    T,
  );
});

describe('redis', () => {
  it(
    'answers PING',
    async () => {
      const url = new URL(env.STACK_REDIS_URL!);
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = net.connect(Number(url.port), url.hostname, () => sock.write('PING\r\n'));
        sock.setTimeout(5_000, () => sock.destroy(new Error('redis: no reply')));
        sock.once('data', (d) => {
          resolve(d.toString());
          sock.end();
        });
        sock.on('error', reject);
      });
      expect(reply).toBe('+PONG\r\n');
    },
    T,
  );
});

describe('s3', () => {
  const s3 = new S3Client({
    endpoint: env.STACK_S3_ENDPOINT,
    region: env.AWS_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  });
  const Bucket = env.STACK_S3_BUCKET!;
  const prefix = `stack-int-test/${Date.now()}-${randomBytes(3).toString('hex')}`;

  it(
    'puts, lists and gets an object',
    async () => {
      const Key = `${prefix}/small.txt`;
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'hello stack' }));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, MaxKeys: 10 }));
      expect(listed.Contents?.map((o) => o.Key)).toContain(Key);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
      expect(await got.Body!.transformToString()).toBe('hello stack');
      await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    },
    T,
  );

  it(
    'takes a multipart upload (12 MB in 5 MB parts)',
    async () => {
      const Key = `${prefix}/big.bin`;
      const body = randomBytes(12 * 1024 * 1024);
      const upload = new Upload({
        client: s3,
        params: { Bucket, Key, Body: body },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
      });
      const parts: number[] = [];
      upload.on('httpUploadProgress', (p) => p.part && parts.push(p.part));
      const done = await upload.done();
      expect(done.ETag).toBeTruthy();
      expect(new Set(parts).size).toBe(3); // 5 + 5 + 2 MB: really a multipart upload
      const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(bytes.length).toBe(body.length);
      expect(sha(bytes)).toBe(sha(body));
      await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    },
    T,
  );
});

describe('registry and container engine', () => {
  it(
    'answers the registry API',
    async () => {
      const res = await httpGet(`http://${env.STACK_REGISTRY}/v2/`);
      expect(res.status).toBe(200);
    },
    T,
  );

  it(
    'builds a FROM scratch image with buildah, pushes it, and podman pulls and runs it',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'stack-image-'));
      const tag = `${env.STACK_REGISTRY}/stack-int-test/hello:${Date.now()}`;
      const greeting = `hello from the stack ${randomBytes(4).toString('hex')}`;
      try {
        mkdirSync(join(dir, 'rootfs/bin'), { recursive: true });
        copyFileSync('/bin/busybox', join(dir, 'rootfs/bin/busybox')); // static (busybox-static)
        writeFileSync(
          join(dir, 'Containerfile'),
          `FROM scratch\nCOPY rootfs/ /\nCMD ["/bin/busybox", "echo", ${JSON.stringify(greeting)}]\n`,
        );
        const buildah = words(env.STACK_BUILDAH!);
        const podman = words(env.STACK_PODMAN!);
        run([...buildah, 'bud', '--isolation', 'chroot', '--format', 'docker', '-t', tag, dir]);
        run([...buildah, 'push', '--tls-verify=false', tag]);
        // drop the local copy so that `podman run` has to pull it from the registry
        run([...buildah, 'rmi', tag]);
        const out = run([
          ...podman,
          'run',
          '--rm',
          '--network',
          'host',
          '--ulimit',
          'nofile=1024:1024',
          '--ulimit',
          'nproc=1024:1024',
          tag,
        ]);
        expect(out.trim()).toBe(greeting);
        run([...podman, 'rmi', tag]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );
});

describe('acme (pebble)', () => {
  const ca = readFileSync(env.STACK_ACME_CA!);

  it(
    'serves its directory over TLS signed by the stack CA',
    async () => {
      const res = await httpGet(env.STACK_ACME_DIRECTORY!, { ca });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({
        newAccount: expect.stringContaining('https://'),
        newNonce: expect.any(String),
        newOrder: expect.any(String),
      });
    },
    T,
  );

  it(
    'is not trusted without the stack CA',
    async () => {
      await expect(httpGet(env.STACK_ACME_DIRECTORY!)).rejects.toThrow(/certificate/i);
    },
    T,
  );

  it(
    'exposes its current root on the management interface, and challtestsrv answers',
    async () => {
      const root = await httpGet(`${env.STACK_ACME_MANAGEMENT}/roots/0`, { ca });
      expect(root.body).toContain('BEGIN CERTIFICATE');
      const chall = await httpGet(`${env.STACK_CHALLTESTSRV}/`);
      expect(chall.status).toBeGreaterThan(0);
    },
    T,
  );
});

describe('http services', () => {
  it(
    'nginx answers /stack-health',
    async () => {
      expect(await httpGet(`${env.STACK_NGINX_URL}/stack-health`)).toEqual({ status: 200, body: 'ok' });
    },
    T,
  );

  it.each(['STACK_PROMETHEUS_URL', 'STACK_ALERTMANAGER_URL'])(
    '%s is ready',
    async (name) => {
      const res = await httpGet(`${env[name]}/-/ready`);
      expect(res.status).toBe(200);
    },
    T,
  );
});

describe('scripts/stack', () => {
  it('reports every service running', () => {
    const out = run(['bash', STACK_SCRIPT, 'status'], { cwd: REPO_ROOT });
    for (const svc of [
      'ssh',
      'postgres',
      'redis',
      'nginx',
      'registry',
      'acme',
      's3',
      'prometheus',
      'alertmanager',
      'node-exporter',
      'postgres-exporter',
      'redis-exporter',
      'nginx-exporter',
      'blackbox',
      'pushgateway',
      'mtail',
    ]) {
      expect(out).toMatch(new RegExp(`^${svc}\\s+running\\s`, 'm'));
    }
    expect(out).toMatch(/^containers\s+ready\s/m);
  });

  it.runIf(process.getuid?.() === 0)(
    'leaves a running stack alone on a second `up`',
    () => {
      const out = run(['bash', STACK_SCRIPT, 'up'], { cwd: REPO_ROOT });
      expect(out).toMatch(/^\s+ssh\s+already running/m);
      expect(out).not.toMatch(/ up in /);
    },
    T,
  );
});

describe('monitoring', () => {
  const prom = async <T>(path: string): Promise<T> => {
    const res = await httpGet(`${env.STACK_PROMETHEUS_URL}${path}`);
    expect(res.status, path).toBe(200);
    return (JSON.parse(res.body) as { data: T }).data;
  };
  interface Target {
    labels: Record<string, string>;
    health: string;
    lastError: string;
    scrapePool: string;
  }

  it(
    'scrapes every exporter job of the metrics contract, with the env label',
    async () => {
      // a fresh stack: the first scrape of each target happens within one interval (15 s)
      let targets: Target[] = [];
      const jobs = [
        'prometheus',
        'alertmanager',
        'node',
        'postgres',
        'redis',
        'nginx',
        'edge',
        'pushgateway',
      ];
      for (let i = 0; i < 80; i++) {
        targets = (await prom<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets;
        if (jobs.every((j) => targets.some((t) => t.labels.job === j && t.health === 'up'))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const job of jobs) {
        const t = targets.find((t) => t.labels.job === job);
        expect(t, job).toBeDefined();
        expect([job, t!.health, t!.lastError]).toEqual([job, 'up', '']);
        if (job !== 'pushgateway') expect(t!.labels.env).toBe(env.STACK_MONITORING_ENV);
      }
      // blackbox probes the public URLs through the edge, one target per app
      const probes = targets.filter((t) => t.labels.job === 'blackbox').map((t) => t.labels.app);
      expect(probes.sort()).toEqual(['api', 'web']);
    },
    T,
  );

  it(
    'loads the shipped rules and sends to the stack Alertmanager',
    async () => {
      const { groups } = await prom<{ groups: { name: string; rules: { name: string }[] }[] }>(
        '/api/v1/rules',
      );
      const names = groups.flatMap((g) => g.rules.map((r) => r.name));
      expect(names).toEqual(
        expect.arrayContaining(['PostgresDown', 'SLOBudgetBurnFast', 'slo:sli_error:ratio_rate5m']),
      );
      const am = await prom<{ activeAlertmanagers: { url: string }[] }>('/api/v1/alertmanagers');
      expect(am.activeAlertmanagers.map((a) => a.url)).toEqual([
        `${env.STACK_ALERTMANAGER_URL}/api/v2/alerts`,
      ]);
      const status = JSON.parse((await httpGet(`${env.STACK_ALERTMANAGER_URL}/api/v2/status`)).body) as {
        config: { original: string };
      };
      expect(status.config.original).toContain('routing_key_file:');
      expect(status.config.original).not.toMatch(/\$\{/);
    },
    T,
  );

  it(
    'serves nginx stub_status on loopback for the nginx exporter, and edge metrics from the JSON access log',
    async () => {
      const stub = await httpGet(`${env.STACK_NGINX_URL}/stub_status`);
      expect(stub.body).toMatch(/^Active connections: \d+/);
      const path = `/edge-metrics-${randomBytes(3).toString('hex')}`;
      const before = await httpGet(`${env.STACK_MTAIL_URL}/metrics`);
      const count = (text: string) =>
        Number(/^edge_http_requests_total\{app="web",status="404"\} (\d+)/m.exec(text)?.[1] ?? 0);
      await httpGet(`${env.STACK_NGINX_URL}${path}`);
      let after = count(before.body);
      for (let i = 0; i < 50 && after === count(before.body); i++) {
        await new Promise((r) => setTimeout(r, 100));
        after = count((await httpGet(`${env.STACK_MTAIL_URL}/metrics`)).body);
      }
      expect(after).toBe(count(before.body) + 1);
      const line = readFileSync(join(env.STACK_NGINX_PREFIX!, 'logs/access.json.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.path === path);
      expect(line).toMatchObject({
        method: 'GET',
        status: 404,
        request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(Object.keys(line!)).toEqual([
        'time',
        'request_id',
        'method',
        'path',
        'status',
        'bytes',
        'request_time',
        'upstream_response_time',
        'upstream_addr',
      ]);
    },
    T,
  );

  it(
    'scrapes an app that deploy-ssh publishes in <deploy root>/metrics-targets/<app>.json (file_sd)',
    async () => {
      // the stack's own node exporter stands in for an app's metrics port; an app name no deploy
      // uses, so the test never touches a real deploy's files
      const app = 'stack-int-test';
      const file = join(env.STACK_DEPLOY_ROOT!, 'metrics-targets', `${app}.json`);
      const labels = { app, env: env.STACK_MONITORING_ENV!, version: 'sha-test123', slot: 'blue' };
      writeFileSync(
        `${file}.tmp`,
        JSON.stringify([{ targets: [new URL(env.STACK_NODE_EXPORTER_URL!).host], labels }]),
      );
      execFileSync('mv', [`${file}.tmp`, file]);
      try {
        let t: Target | undefined;
        for (let i = 0; i < 200 && t?.health !== 'up'; i++) {
          const { activeTargets } = await prom<{ activeTargets: Target[] }>('/api/v1/targets');
          t = activeTargets.find((x) => x.labels.job === 'apps' && x.labels.app === app);
          if (t?.health !== 'up') await new Promise((r) => setTimeout(r, 250));
        }
        expect(t?.labels).toMatchObject({ job: 'apps', ...labels });
        expect(t?.health).toBe('up');
      } finally {
        rmSync(file, { force: true });
      }
    },
    T,
  );

  it(
    'keeps what is pushed to the Pushgateway (job contextai_backup) and exposes it with its grouping labels',
    async () => {
      const group = `${env.STACK_PUSHGATEWAY_URL}/metrics/job/contextai_backup/kind/nightly/env/stack-int-test`;
      const put = await fetch(group, { method: 'PUT', body: 'backup_last_run_success 1\n' });
      expect(put.status).toBe(200);
      const text = (await httpGet(`${env.STACK_PUSHGATEWAY_URL}/metrics`)).body;
      expect(text).toMatch(
        /^backup_last_run_success\{env="stack-int-test",instance="",job="contextai_backup",kind="nightly"\} 1$/m,
      );
      expect((await fetch(group, { method: 'DELETE' })).status).toBe(202);
    },
    T,
  );
});
