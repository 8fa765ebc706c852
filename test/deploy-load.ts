// Shared by the deploy integration tests and scripts/bench/deploy: tiny test images (static busybox
// httpd serving /health and /version as files), an nginx site on the stack's nginx that includes a
// deploy root's upstream.conf, and a bounded keep-alive load generator to 127.0.0.1.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIXTURE = join(import.meta.dirname, 'fixtures/deploy');

const words = (text: string) => text.trim().split(/\s+/);
function run(argv: string[], input?: string): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface TestImage {
  /** Digest reference, as a pipeline would deploy it. */
  ref: string;
  version: string;
}

/**
 * Builds and pushes one test image: busybox httpd on 127.0.0.1:$PORT serving `/version` as
 * `{"version":"<v>"}` and, unless `healthy` is false, `/health`. Takes about a second.
 */
export function buildTestImage(
  stack: Record<string, string>,
  repo: string,
  version: string,
  healthy = true,
): TestImage {
  const context = mkdtempSync(join(tmpdir(), 'deploy-image-'));
  try {
    copyFileSync(join(FIXTURE, 'Containerfile'), join(context, 'Containerfile'));
    copyFileSync('/bin/busybox', join(context, 'busybox'));
    chmodSync(join(context, 'busybox'), 0o755);
    mkdirSync(join(context, 'www'));
    writeFileSync(join(context, 'www/version'), `${JSON.stringify({ version })}\n`);
    writeFileSync(join(context, 'www/index.html'), `<h1>${version}</h1>\n`);
    if (healthy) writeFileSync(join(context, 'www/health'), 'ok\n');
    const tag = `${stack.STACK_REGISTRY}/${repo}:${version}`;
    const buildah = words(stack.STACK_BUILDAH!);
    run([
      ...buildah,
      'bud',
      '--isolation',
      'chroot',
      '--layers=false',
      '-q',
      '-t',
      tag,
      '-f',
      join(context, 'Containerfile'),
      context,
    ]);
    const digestFile = join(context, 'digest');
    run([...buildah, 'push', '--tls-verify=false', '--digestfile', digestFile, tag, `docker://${tag}`]);
    const digest = readFileSync(digestFile, 'utf8').trim();
    return { ref: `${stack.STACK_REGISTRY}/${repo}@${digest}`, version };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Runs a command line from the stack env as the deploy user (nginx runs as deploy). */
export function asDeploy(stack: Record<string, string>, commandLine: string): string {
  return run([
    'setpriv',
    '--reuid',
    stack.STACK_SSH_USER!,
    '--regid',
    stack.STACK_SSH_USER!,
    '--init-groups',
    ...words(commandLine),
  ]);
}

/**
 * Adds a site on the stack's nginx, listening on `port`, proxying to the app's upstream.conf under
 * `root` (a glob include, so it loads before the first deploy). Returns a function removing it.
 */
export function addNginxSite(
  stack: Record<string, string>,
  name: string,
  port: number,
  root: string,
  app: string,
): () => void {
  const file = join(stack.STACK_NGINX_CONFD!, `${name}.conf`);
  const upstream = `${name.replace(/[^A-Za-z0-9]/g, '_')}_app`;
  writeFileSync(
    file,
    [
      `# test site of the deploy-ssh and rollback tests / scripts/bench/deploy`,
      `upstream ${upstream} { server 127.0.0.1:9 down; include ${root}/${app}/upstream*.conf; }`,
      'server {',
      `  listen 127.0.0.1:${port};`,
      '  location / {',
      `    proxy_pass http://${upstream};`,
      '    proxy_next_upstream error timeout http_502 http_503;',
      '    proxy_connect_timeout 2s;',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  asDeploy(stack, stack.STACK_NGINX_TEST!);
  asDeploy(stack, stack.STACK_NGINX_RELOAD!);
  return () => {
    rmSync(file, { force: true });
    asDeploy(stack, stack.STACK_NGINX_RELOAD!);
  };
}

export interface LoadStats {
  sent: number;
  ok: number;
  failed: number;
  /** Requests repeated because a reused keep-alive connection was closed before any response (as browsers do). */
  retriedIdle: number;
  errors: Record<string, number>;
  /** `/version` answers seen, in order of first appearance, with counts. */
  versions: Record<string, number>;
  /** Time of the last answer per version (ms since the epoch). */
  firstSeen: Record<string, number>;
}

export interface Load {
  stats: LoadStats;
  /** Stops after the in-flight requests and resolves with the totals. */
  stop(): Promise<LoadStats>;
  /** Resolves once at least `count` requests have been answered. */
  until(count: number, timeoutMs: number): Promise<void>;
}

/**
 * Sends GET requests to a 127.0.0.1 URL over `concurrency` keep-alive connections until stopped,
 * `maxRequests` answered or `maxMs` elapsed. Every non-2xx answer and every error counts as failed.
 */
export function startLoad(
  url: string,
  options: { concurrency?: number; maxRequests?: number; maxMs?: number } = {},
): Load {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error('load goes only to 127.0.0.1');
  const { concurrency = 4, maxRequests = 200_000, maxMs = 180_000 } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const stats: LoadStats = {
    sent: 0,
    ok: 0,
    failed: 0,
    retriedIdle: 0,
    errors: {},
    versions: {},
    firstSeen: {},
  };
  const deadline = Date.now() + maxMs;
  let stopping = false;
  const once = () =>
    new Promise<void>((done) => {
      const attempt = (retry: boolean) => {
        // The retry goes on a fresh connection: other idle sockets may belong to the same closing worker.
        const req = request(target, { agent: retry ? false : agent, method: 'GET' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              stats.ok += 1;
              const version = versionOf(body);
              stats.versions[version] = (stats.versions[version] ?? 0) + 1;
              stats.firstSeen[version] ??= Date.now();
            } else count(`HTTP ${code}`);
            done();
          });
          res.on('error', (error) => (count(error.message), done()));
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A keep-alive connection the server closed while idle (nginx does on reload): retry once on
          // a new connection, as browsers and HTTP client libraries do (RFC 9112 §9.3.1).
          if (req.reusedSocket && !retry && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
            stats.retriedIdle += 1;
            attempt(true);
            return;
          }
          count(error.code ?? error.message);
          done();
        });
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.end();
      };
      stats.sent += 1;
      attempt(false);
    });
  const count = (what: string) => {
    stats.failed += 1;
    stats.errors[what] = (stats.errors[what] ?? 0) + 1;
  };
  const worker = async () => {
    while (!stopping && stats.sent < maxRequests && Date.now() < deadline) await once();
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  return {
    stats,
    stop: async () => {
      stopping = true;
      await workers;
      agent.destroy();
      return stats;
    },
    until: async (target, timeoutMs) => {
      const end = Date.now() + timeoutMs;
      while (stats.ok + stats.failed < target && Date.now() < end && !stopping)
        await new Promise((r) => setTimeout(r, 50));
    },
  };
}

function versionOf(body: string): string {
  try {
    return String((JSON.parse(body) as { version?: unknown }).version ?? '?');
  } catch {
    return '?';
  }
}

/** Fetches `/version` once; undefined on any error. */
export async function currentVersion(baseUrl: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/version`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return undefined;
    return versionOf(await response.text());
  } catch {
    return undefined;
  }
}
