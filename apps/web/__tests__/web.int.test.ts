// The built web app (standalone server) against a running API on the stack's PostgreSQL and Redis,
// rendered in headless Chromium, and behind the real edge (nginx rendered from apps/proxy) for the
// telemetry that follows a request from the edge through web and API (logs, traces, metrics).
// Run: npx vitest run --project integration apps/web/__tests__/web.int.test.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { REPO_ROOT } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';
import { startFakeOtlp, type FakeOtlp } from '../../../test/fake-otlp';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { startEdge, writeSelfSigned, type Edge } from '../../../test/fixtures/proxy/edge';
import {
  createDatabase,
  eventually,
  freePort,
  jsonLogLines,
  startChild,
  waitForHttp,
  type Child,
} from '../../api/__tests__/support';

const API_DIR = resolve(REPO_ROOT, 'apps/api');
const WEB_DIR = resolve(REPO_ROOT, 'apps/web');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let db: Awaited<ReturnType<typeof createDatabase>>;
let api: Child;
let web: Child;
let apiUrl: string;
let webUrl: string;
let browser: Browser;
let otlp: FakeOtlp;
let edge: Edge;
let webMetricsUrl: string;
let issuer: JwksServer;
const DOMAIN = 'contextai.test';

beforeAll(async () => {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, env, timeoutMs: 120_000 });
  await runCommand(['npm', 'run', 'build', '-w', 'apps/web'], { cwd: REPO_ROOT, env, timeoutMs: 300_000 });
  db = await createDatabase('web_it');
  const base = { PATH: process.env.PATH, NO_COLOR: '1', HOST: '127.0.0.1' };
  await runCommand(['node', 'dist/migrations/cli.js'], {
    cwd: API_DIR,
    env: { ...base, DATABASE_URL: db.url },
  });

  otlp = await startFakeOtlp();
  issuer = await startJwksServer();
  const tracing = {
    APP_ENV: 'staging',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  api = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: {
      ...base,
      ...tracing,
      PORT: String(apiPort),
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv().STACK_REDIS_URL,
      APP_VERSION: '4.5.6-web',
      APP_REVISION: 'feedbee',
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
    },
  });
  await waitForHttp(`${apiUrl}/api/health`, api);

  const webPort = await freePort();
  webUrl = `http://127.0.0.1:${webPort}`;
  // API_URL is given at start, not at build: the page must read it at request time.
  const webMetricsPort = await freePort();
  webMetricsUrl = `http://127.0.0.1:${webMetricsPort}/metrics`;
  web = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH,
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(webPort),
      HOSTNAME: '127.0.0.1',
      API_URL: apiUrl,
      APP_VERSION: '4.5.6-web',
      METRICS_PORT: String(webMetricsPort),
      ...tracing,
    },
  });
  await waitForHttp(`${webUrl}/healthz`, web);
  edge = await startEdge({
    domains: [DOMAIN],
    httpPort: await freePort(),
    httpsPort: await freePort(),
    webUpstreamPort: webPort,
    apiUpstreamPort: apiPort,
    installCertificate: (certDir) => writeSelfSigned(certDir, [DOMAIN], 1),
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await edge?.stop();
  await web?.stop();
  await api?.stop();
  await otlp?.close();
  await issuer?.close();
  await db?.drop();
});

/** GET through the edge (HTTPS, self-signed certificate). */
function viaEdge(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: edge.httpsPort,
        path,
        servername: DOMAIN,
        rejectUnauthorized: false,
        headers: { host: DOMAIN, ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface LogLine {
  level: string;
  msg: string;
  service: string;
  env: string;
  version: string;
  req?: { id: string; url: string };
  res?: { statusCode: number };
  route?: string;
  trace_id?: string;
  span_id?: string;
}

const logLines = (child: Child) => jsonLogLines<LogLine>(child);
const completed = (child: Child, id: string) => logLines(child).filter((l) => l.req?.id === id && l.res);

describe('one request from the edge through web and API', () => {
  it("carries the edge request id into both apps' logs and the access log, with one trace id", async () => {
    const reply = await viaEdge('/knowledge-sources', {
      authorization: 'Bearer web-canary-0a1b2c',
      cookie: 'sid=web-canary-3d4e5f',
    });
    expect(reply.status).toBe(200);
    const id = reply.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f]{32}$/); // made by the edge: the client sent none
    // the page asks the API for the overview (and for the first sector's sources when there is one)
    const overviewOf = (lines: ReturnType<typeof completed>) => lines.find((l) => l.route === '/api/sectors');
    await eventually(
      async () => completed(web, id).length === 1 && overviewOf(completed(api, id)) !== undefined,
    );
    const [webLine] = completed(web, id);
    const apiLine = overviewOf(completed(api, id));
    for (const line of completed(api, id)) expect(line.trace_id).toBe(webLine!.trace_id);
    expect(webLine).toMatchObject({
      service: 'contextai-web',
      env: 'staging',
      version: '4.5.6-web',
      route: '/knowledge-sources',
    });
    expect(apiLine).toMatchObject({
      service: 'contextai-api',
      route: '/api/sectors',
      res: { statusCode: 200 },
    });
    expect(webLine!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(apiLine!.trace_id).toBe(webLine!.trace_id);

    const access = readFileSync(edge.accessLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as { request_id: string; path: string; status: number; upstream_addr: string },
      );
    expect(access.find((l) => l.request_id === id)).toMatchObject({
      path: '/knowledge-sources',
      status: 200,
    });

    // The trace: web server span → web client span (fetch) → API server span → the pg query.
    const spans = await otlp.waitFor((all) =>
      all.some(
        (s) =>
          s.traceId === webLine!.trace_id &&
          s.resource['service.name'] === 'contextai-api' &&
          s.kind === 'SPAN_KIND_SERVER',
      ),
    );
    const trace = spans.filter((s) => s.traceId === webLine!.trace_id);
    const webServer = trace.find((s) => s.spanId === webLine!.span_id)!;
    expect(webServer).toMatchObject({
      kind: 'SPAN_KIND_SERVER',
      name: 'GET /knowledge-sources',
      parentSpanId: '',
    });
    expect(webServer.resource).toMatchObject({
      'service.name': 'contextai-web',
      'service.version': '4.5.6-web',
    });
    const apiServer = trace.find((s) => s.spanId === apiLine!.span_id)!;
    const client = trace.find((s) => s.spanId === apiServer.parentSpanId)!;
    expect(client).toMatchObject({ kind: 'SPAN_KIND_CLIENT' });
    expect(client.resource['service.name']).toBe('contextai-web');
    // the API's answer comes from PostgreSQL, or from its Redis read cache once warm: either way
    // the data store's span is in the same trace
    const stores = trace.map((s) => s.attributes['db.system.name'] ?? s.attributes['db.system']);
    expect(stores.some((system) => system === 'postgresql' || system === 'redis')).toBe(true);

    for (const canary of ['web-canary-0a1b2c', 'web-canary-3d4e5f'])
      expect(web.output() + api.output()).not.toContain(canary);
  });

  it('keeps a client request id through web and API', async () => {
    const reply = await viaEdge('/', { 'x-request-id': 'client-request-id-77' });
    expect(reply.headers['x-request-id']).toBe('client-request-id-77');
    await eventually(async () => completed(web, 'client-request-id-77').length === 1);
    await eventually(async () => completed(api, 'client-request-id-77').length === 2); // /version and /health/ready
  });

  it("writes only JSON lines, Next's own messages included", () => {
    const lines = logLines(web);
    expect(lines.some((l) => l.msg.includes('Next.js'))).toBe(true);
    for (const line of lines)
      expect(line).toMatchObject({ service: 'contextai-web', env: 'staging', version: '4.5.6-web' });
  });

  it('serves its metrics on METRICS_PORT by route template, and promtool accepts them', async () => {
    const page = await viaEdge('/');
    const asset = /\/_next\/static\/[^"]+\.js/.exec(page.body)?.[0];
    expect(asset).toBeTruthy();
    await viaEdge(asset!);
    await viaEdge('/no/such/page');
    expect((await viaEdge('/metrics')).status).toBe(404); // the edge routes the app port only
    const text = await (await fetch(webMetricsUrl)).text();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/",status="200"\} [1-9]/m);
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="\/_next\/static\/\*",status="200"\} [1-9]/m,
    );
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/m);
    expect(text).not.toContain('/no/such/page');
    execFileSync('promtool', ['check', 'metrics'], { input: text });
  });
});

describe('the web app', () => {
  it('GET /healthz answers', async () => {
    const response = await fetch(`${webUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('renders the API version and readiness in Chromium', async () => {
    const page = await browser.newPage();
    const response = await page.goto(webUrl);
    expect(response?.status()).toBe(200);
    expect(await page.getByTestId('api-version').textContent()).toBe('4.5.6-web');
    expect(await page.getByTestId('api-revision').textContent()).toBe('feedbee');
    expect(await page.getByTestId('api-readiness').textContent()).toBe('ready');
    expect(await page.getByTestId('check-postgres').textContent()).toBe('postgres: up');
    expect(await page.getByTestId('check-redis').textContent()).toBe('redis: up');
    await page.close();
  });

  it('lists the knowledge sources of a sector from the API', async () => {
    const token = await issuer.sign({ permissions: ['write:knowledge-sources'] });
    for (const title of ['Tax code', 'VAT FAQ']) {
      const created = await fetch(`${apiUrl}/api/sectors/finance/knowledge-sources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ title, kind: 'faq' }),
      });
      expect(created.status).toBe(201);
    }
    const page = await browser.newPage();
    await page.goto(`${webUrl}/knowledge-sources?sector=finance`);
    expect(await page.getByTestId('sectors').textContent()).toContain('finance (2)');
    const rows = await page.locator('[data-testid="sources"] tbody tr td:first-child').allTextContents();
    expect(rows).toEqual(['VAT FAQ', 'Tax code']);
    await page.close();
  });

  it('shows the API as unreachable when it is down (no data baked in at build time)', async () => {
    await api.stop();
    const page = await browser.newPage();
    await page.goto(webUrl);
    expect(await page.getByTestId('api-readiness').textContent()).toBe('not ready');
    expect(await page.getByTestId('api-version-error').textContent()).toContain('API unreachable');
    await page.close();
  });

  it('renders up/down only, never the error text of a readiness answer or a failed call', async () => {
    // An API that answers readiness as an older API did: with the driver's error text in the body.
    const leaky = createServer((req, res) => {
      const ready = req.url === '/api/health/ready';
      res.writeHead(ready ? 503 : 500, { 'content-type': 'application/json' });
      res.end(
        ready
          ? JSON.stringify({
              status: 'error',
              details: {
                postgres: { status: 'down', message: 'password authentication failed for user "leaky-user"' },
                redis: { status: 'up' },
              },
            })
          : 'not json: connect ECONNREFUSED db.internal:5432',
      );
    });
    await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const server = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
      cwd: WEB_DIR,
      env: {
        PATH: process.env.PATH,
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        API_URL: `http://127.0.0.1:${(leaky.address() as AddressInfo).port}`,
      },
    });
    const page = await browser.newPage();
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, server);
      await page.goto(`http://127.0.0.1:${port}/`);
      expect(await page.getByTestId('api-readiness').textContent()).toBe('not ready');
      expect(await page.getByTestId('check-postgres').textContent()).toBe('postgres: down');
      expect(await page.getByTestId('api-version-error').textContent()).toBe('API unreachable');
      const text = (await page.content()) + (await page.locator('body').innerText());
      for (const leak of ['leaky-user', 'password', 'db.internal', 'ECONNREFUSED', 'HTTP 500'])
        expect(text).not.toContain(leak);
    } finally {
      await page.close();
      await server.stop();
      await new Promise((resolve) => leaky.close(resolve));
    }
  });

  it('generates browser source maps but does not serve them', async () => {
    // Each served chunk names its map (sourceMappingURL); the map exists, outside the served directory.
    const staticDir = join(WEB_DIR, '.next/standalone/apps/web/.next/static');
    const chunks = (readdirSync(staticDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));
    let checked = 0;
    for (const chunk of chunks) {
      const source = readFileSync(join(staticDir, chunk), 'utf8');
      const mapName = /\/\/# sourceMappingURL=(\S+\.map)\s*$/.exec(source)?.[1];
      if (!mapName) continue;
      const mapPath = join(dirname(chunk), mapName);
      expect(existsSync(join(WEB_DIR, '.next/sourcemaps/static', mapPath)), mapPath).toBe(true);
      expect((await fetch(`${webUrl}/_next/static/${chunk}`)).status, chunk).toBe(200);
      expect((await fetch(`${webUrl}/_next/static/${mapPath}`)).status, mapPath).toBe(404);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('HTTP caching through the edge', () => {
  it('serves hashed static assets as immutable for a year, and never lets the HTML be stored', async () => {
    const home = await viaEdge('/');
    expect(home.status).toBe(200);
    expect(home.headers['cache-control']).toMatch(/no-store|no-cache|max-age=0/);
    expect(home.headers['cache-control']).not.toMatch(/immutable|s-maxage=[1-9]/);
    const assets = [...new Set(home.body.match(/\/_next\/static\/[^"'\s]+\.(?:js|css)/g) ?? [])];
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const reply = await viaEdge(asset, { 'accept-encoding': 'br' });
      expect(reply.status, asset).toBe(200);
      expect(reply.headers['cache-control'], asset).toBe('public, max-age=31536000, immutable');
    }
    // a path that is not a built asset is not cached for a year (a 404 must not stick in a CDN)
    const missing = await viaEdge('/_next/static/chunks/not-built-0000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control'] ?? '').not.toMatch(/immutable/);
  });
});

describe('start-up', () => {
  it('refuses a bad telemetry environment with every problem listed, before listening', async () => {
    const result = await runCommand(['node', '.next/standalone/apps/web/start.mjs'], {
      cwd: WEB_DIR,
      env: {
        PATH: process.env.PATH,
        PORT: String(await freePort()),
        METRICS_PORT: 'nine',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'header-canary-secret-without-equals',
      },
      allowFailure: true,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid environment of the web server (4 problems)');
    for (const name of [
      'API_URL',
      'METRICS_PORT',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'OTEL_EXPORTER_OTLP_HEADERS',
    ])
      expect(result.stderr).toContain(`- ${name}: `);
    expect(result.stdout + result.stderr).not.toContain('header-canary-secret');
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, completes the request in flight and exits 0', async () => {
    // A slow API: the page's server-side fetches stay in flight for 1.5 s (under its 3 s timeout).
    const slowApi = createServer((req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: '9.9.9-slow', revision: null, builtAt: null, status: 'ready' }));
      }, 1_500);
    });
    await new Promise<void>((resolve) => slowApi.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startChild(['node', '.next/standalone/apps/web/start.mjs'], {
      cwd: WEB_DIR,
      env: {
        PATH: process.env.PATH,
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
        API_URL: `http://127.0.0.1:${(slowApi.address() as AddressInfo).port}`,
      },
    });
    try {
      await waitForHttp(`${url}/healthz`, server);
      const inFlight = fetch(url);
      await sleep(400);
      server.process.kill('SIGTERM');
      // Logged by start.mjs's SIGTERM listener, in the same emit as Next's, which closes the server
      // at once (a fixed delay is not enough when rendering keeps the event loop busy).
      await eventually(async () => server.output().includes('SIGTERM received'), 10_000);

      await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
      expect(server.process.exitCode).toBeNull(); // still draining

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('9.9.9-slow');
      expect(await server.exited).toBe(0);
      expect(server.output()).toContain('SIGTERM received');
      expect(server.output()).toContain('closed cleanly');
    } finally {
      await server.stop(2_000);
      slowApi.close();
    }
  });
});
