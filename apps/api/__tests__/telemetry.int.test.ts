// The built API's telemetry against the stack's PostgreSQL and Redis: JSON logs with the request id
// and trace ids, OpenTelemetry spans received (as protobuf) by a local OTLP/HTTP receiver, Prometheus
// metrics on their own port (checked by promtool), and no secret in any log line.
// Run: npx vitest run --project integration apps/api/__tests__/telemetry.int.test.ts
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startFakeOtlp, type FakeOtlp, type ReceivedSpan } from '../../../test/fake-otlp';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { REPO_ROOT } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';
import {
  createDatabase,
  eventually,
  freePort,
  jsonLogLines,
  startChild,
  waitForHttp,
  type Child,
} from './support';

const API_DIR = resolve(REPO_ROOT, 'apps/api');
const VERSION = '3.4.5-telemetry';
const OTLP_KEY = 'otlp-key-canary-7c1e9a';
const CANARIES = {
  authorization: 'bearer-canary-4f2a91',
  cookie: 'cookie-canary-77b3e0',
  password: 'password-canary-0d9c11',
  query: 'query-token-canary-5e6f70',
  dbPassword: 'dbpass-canary-a1b2c3',
};

let db: Awaited<ReturnType<typeof createDatabase>>;
let otlp: FakeOtlp;
let api: Child;
let base: string;
let metricsUrl: string;
const children: Child[] = [];
let issuer: JwksServer;
/** Headers of a write: JSON and a valid access token (writes need one). */
let writeHeaders: Record<string, string>;

interface LogLine {
  level: string;
  time: string;
  msg: string;
  service: string;
  env: string;
  version: string;
  req?: { id: string; method: string; url: string };
  res?: { statusCode: number };
  route?: string;
  responseTime?: number;
  trace_id?: string;
  span_id?: string;
  err?: { type: string; message: string; stack: string };
}

const logLines = (child: Child) => jsonLogLines<LogLine>(child);

function apiEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_VERSION: VERSION,
    APP_ENV: 'staging',
    REDIS_URL: stackEnv().STACK_REDIS_URL,
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    ...extra,
  };
}

async function startApi(extra: Record<string, string>): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const child = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: apiEnv({ PORT: String(port), ...extra }),
  });
  children.push(child);
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, child);
  return { child, base: `http://127.0.0.1:${port}/api` };
}

beforeAll(async () => {
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, timeoutMs: 120_000 });
  db = await createDatabase('telemetry_it');
  await runCommand(['node', 'dist/migrations/cli.js'], {
    cwd: API_DIR,
    env: { PATH: process.env.PATH, DATABASE_URL: db.url },
  });
  otlp = await startFakeOtlp({ headers: { 'api-key': OTLP_KEY } });
  issuer = await startJwksServer();
  const token = await issuer.sign({ permissions: ['write:knowledge-sources'] }, { expiresIn: '1h' });
  writeHeaders = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  ({ child: api, base } = await startApi({
    DATABASE_URL: db.url,
    METRICS_PORT: String(metricsPort),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_HEADERS: `api-key=${OTLP_KEY}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  }));
  await eventually(async () => (await fetch(`${base}/health/ready`)).ok); // Redis connected
});

afterAll(async () => {
  for (const child of children) await child.stop();
  await otlp?.close();
  await issuer?.close();
  await db?.drop();
});

const traceOf = (spans: ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);

describe('logs', () => {
  it('are JSON lines with level, time, msg, service, env and version', () => {
    const lines = logLines(api);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).toMatchObject({ service: 'contextai-api', env: 'staging', version: VERSION });
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(Date.parse(line.time)).not.toBeNaN();
      expect(typeof line.msg).toBe('string');
    }
    expect(lines.map((l) => l.msg)).toContain('Nest application successfully started');
  });

  it('adopt X-Request-ID, echo it, and log the request with its route template, status and time', async () => {
    const id = 'edge-request-0001';
    const response = await fetch(`${base}/sectors/legal/knowledge-sources?limit=5`, {
      headers: { 'x-request-id': id },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(id);
    await eventually(async () => logLines(api).some((l) => l.req?.id === id && l.res));
    const line = logLines(api).find((l) => l.req?.id === id && l.res)!;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request completed',
      req: { id, method: 'GET', url: '/api/sectors/legal/knowledge-sources?limit=5' },
      res: { statusCode: 200 },
      route: '/api/sectors/:sector/knowledge-sources',
    });
    expect(line.responseTime).toBeGreaterThanOrEqual(0);
  });

  it('make a request id when there is none or when it is malformed', async () => {
    for (const header of [undefined, 'bad id with spaces "quoted"']) {
      const response = await fetch(`${base}/version`, { headers: header ? { 'x-request-id': header } : {} });
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      await eventually(async () => logLines(api).some((l) => l.req?.id === id));
    }
  });

  it('log a 5xx with err type, message and stack, and count the connection failure', async () => {
    const url = new URL(db.url);
    url.password = CANARIES.dbPassword;
    const brokenMetrics = await freePort();
    const broken = await startApi({ DATABASE_URL: url.toString(), METRICS_PORT: String(brokenMetrics) });
    const response = await fetch(`${broken.base}/sectors/legal/knowledge-sources`, {
      headers: { 'x-request-id': 'broken-database-01' },
    });
    expect(response.status).toBe(500);
    await eventually(async () =>
      logLines(broken.child).some((l) => l.req?.id === 'broken-database-01' && l.res),
    );
    const line = logLines(broken.child).find((l) => l.req?.id === 'broken-database-01' && l.res)!;
    expect(line).toMatchObject({ level: 'error', msg: 'request errored', res: { statusCode: 500 } });
    expect(line.err?.type).toBeTruthy();
    expect(line.err?.message).toContain('password authentication failed');
    expect(line.err?.stack).toContain('at ');
    expect(broken.child.output()).not.toContain(CANARIES.dbPassword);
    const metrics = await (await fetch(`http://127.0.0.1:${brokenMetrics}/metrics`)).text();
    expect(metrics).toMatch(/^db_pool_errors_total [1-9]/m);
  });

  it('never contain authorization, cookies, passwords, tokens or connection secrets', async () => {
    await fetch(`${base}/sectors/legal/knowledge-sources?access_token=${CANARIES.query}`, {
      headers: {
        authorization: `Bearer ${CANARIES.authorization}`,
        cookie: `session=${CANARIES.cookie}`,
        'x-request-id': 'canary-request-01',
      },
    });
    const refused = await fetch(`${base}/sectors/legal/knowledge-sources`, {
      method: 'POST',
      headers: { ...writeHeaders, 'x-request-id': 'canary-request-02' },
      body: JSON.stringify({ title: 'x', kind: 'faq', password: CANARIES.password }),
    });
    expect(refused.status).toBe(400);
    await eventually(
      async () => logLines(api).filter((l) => l.req?.id?.startsWith('canary-request-')).length === 2,
    );
    const output = api.output();
    const token = writeHeaders.authorization!.slice('Bearer '.length);
    for (const canary of [...Object.values(CANARIES), OTLP_KEY, token]) expect(output).not.toContain(canary);
    expect(output).toContain('access_token=[Redacted]');
  });
});

describe('traces', () => {
  it('hold the HTTP server span, the Nest handler, the pg query and the Redis call in one trace, with the log ids', async () => {
    const id = 'trace-request-0001';
    expect((await fetch(`${base}/health/ready`, { headers: { 'x-request-id': id } })).status).toBe(200);
    await eventually(async () => logLines(api).some((l) => l.req?.id === id && l.res));
    const line = logLines(api).find((l) => l.req?.id === id && l.res)!;
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);

    const spans = await otlp.waitFor((all) => {
      const trace = traceOf(all, line.trace_id!);
      return (
        trace.some((s) => s.attributes['db.system.name'] === 'redis') &&
        trace.some((s) => s.kind === 'SPAN_KIND_SERVER')
      );
    });
    const trace = traceOf(spans, line.trace_id!);
    const server = trace.find((s) => s.kind === 'SPAN_KIND_SERVER')!;
    expect(server.spanId).toBe(line.span_id);
    expect(server.parentSpanId).toBe('');
    expect(server.name).toBe('GET /api/health/ready');
    expect(server.attributes['http.route']).toBe('/api/health/ready');
    const handler = trace.find((s) => s.name === 'HealthController.ready');
    expect(handler, trace.map((s) => s.name).join(', ')).toBeDefined();
    const query = trace.find(
      (s) => s.attributes['db.system.name'] === 'postgresql' && s.name.startsWith('pg.query'),
    );
    expect(query?.attributes['db.query.text']).toBe('SELECT 1');
    const redis = trace.find((s) => s.attributes['db.system.name'] === 'redis');
    expect(redis?.name).toBe('ping');
    // Every span of the trace descends from the server span.
    const ids = new Set(trace.map((s) => s.spanId));
    for (const span of trace.filter((s) => s !== server))
      expect(ids.has(span.parentSpanId), span.name).toBe(true);
    expect(server.resource).toMatchObject({
      'service.name': 'contextai-api',
      'service.version': VERSION,
      'deployment.environment': 'staging',
    });
    expect(otlp.rejected).toEqual([]);
  });

  it('continue the caller trace from traceparent and record statements without their parameters', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const title = 'parameter-canary-91ab';
    const response = await fetch(`${base}/sectors/tracing/knowledge-sources`, {
      method: 'POST',
      headers: { ...writeHeaders, traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ title, kind: 'faq' }),
    });
    expect(response.status).toBe(201);
    const spans = await otlp.waitFor((all) =>
      traceOf(all, traceId).some((s) => String(s.attributes['db.query.text'] ?? '').startsWith('INSERT')),
    );
    const trace = traceOf(spans, traceId);
    expect(trace.find((s) => s.kind === 'SPAN_KIND_SERVER')?.parentSpanId).toBe(parent);
    const insert = trace.find((s) => String(s.attributes['db.query.text'] ?? '').startsWith('INSERT'))!;
    expect(insert.attributes['db.query.text']).toContain('VALUES ($1, $2, $3, $4, $5)');
    expect(
      JSON.stringify(spans, (_key, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ).not.toContain(title);
  });

  it('are off cleanly without an endpoint: no trace ids, no export attempts', async () => {
    const quiet = await startApi({ DATABASE_URL: db.url });
    await eventually(
      async () =>
        (await fetch(`${quiet.base}/health/ready`, { headers: { 'x-request-id': 'untraced-request-1' } })).ok,
    );
    await eventually(async () =>
      logLines(quiet.child).some((l) => l.req?.id === 'untraced-request-1' && l.res),
    );
    const line = logLines(quiet.child).find((l) => l.req?.id === 'untraced-request-1' && l.res)!;
    expect(line.trace_id).toBeUndefined();
    expect(logLines(quiet.child).filter((l) => l.level === 'warn' || l.level === 'fatal')).toEqual([]);
  });
});

describe('metrics', () => {
  const scrape = async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('serve the contract metrics on METRICS_PORT only, and promtool accepts them', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'http_requests_total',
      'http_request_duration_seconds',
      'db_pool_connections',
      'db_pool_waiting_requests',
      'db_pool_errors_total',
      'redis_errors_total',
      'knowledge_sources_created_total',
      'knowledge_sources_deleted_total',
      'knowledge_source_listings_total',
      'auth_failures_total',
      'cache_requests_total',
    ])
      expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",');
    expect(text).toContain('db_pool_connections{state="idle"}');
    expect(text).toContain('auth_failures_total{reason="expired"} 0');
    execFileSync('promtool', ['check', 'metrics'], { input: text });
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(405);
  });

  it('label requests by route template (unknown paths: unmatched) and count the business events per sector', async () => {
    const before = await scrape();
    const created = await fetch(`${base}/sectors/metrics/knowledge-sources`, {
      method: 'POST',
      headers: writeHeaders,
      body: JSON.stringify({ title: 'Counted', kind: 'faq' }),
    });
    const { id } = (await created.json()) as { id: string };
    await fetch(`${base}/sectors/metrics/knowledge-sources`);
    await fetch(`${base}/sectors/metrics/knowledge-sources/${id}`, {
      method: 'DELETE',
      headers: writeHeaders,
    });
    await fetch(`${base}/no/such/path/${id}`);
    const after = await scrape();
    for (const counter of ['created', 'deleted']) {
      const series = `knowledge_sources_${counter}_total{sector="metrics"}`;
      expect((value(after, series) ?? 0) - (value(before, series) ?? 0), series).toBe(1);
    }
    const listings = 'knowledge_source_listings_total{sector="metrics"}';
    expect((value(after, listings) ?? 0) - (value(before, listings) ?? 0)).toBe(1);
    expect(
      value(
        after,
        'http_requests_total{method="DELETE",route="/api/sectors/:sector/knowledge-sources/:id",status="204"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(after, 'http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain(id); // never a raw path
  });
});

describe('LOG_FILE', () => {
  it('sends the JSON log to a rotated file instead of standard output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-logs-'));
    try {
      const logged = await startApi({ DATABASE_URL: db.url, LOG_FILE: join(dir, 'api.log') });
      await fetch(`${logged.base}/version`, { headers: { 'x-request-id': 'file-request-0001' } });
      await eventually(async () =>
        readdirSync(dir).some((f) => readFileSync(join(dir, f), 'utf8').includes('file-request-0001')),
      );
      expect(readdirSync(dir)).toEqual(['api.1.log']);
      expect(logged.child.output()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
