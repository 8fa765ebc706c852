// The request logger and the HTTP metrics on a plain node:http server (both apps wrap the same code).
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryEnvSchema } from '../src/env';
import { createHttpLogger } from '../src/http-logging';
import { createLogger } from '../src/logger';
import {
  boundedLabel,
  createHttpMetrics,
  createRegistry,
  startMetricsServer,
  type MetricsServer,
} from '../src/metrics';
import { requestIdFrom } from '../src/request-id';

let server: Server;
let base: string;
let metrics: MetricsServer;
let logged = '';
const lines = () =>
  logged
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
const routeOf = (req: IncomingMessage) => (req.url?.startsWith('/items/') ? '/items/:id' : 'unmatched');

beforeAll(async () => {
  const logger = await createLogger({
    service: 'svc',
    environment: 'test',
    version: '1',
    env: telemetryEnvSchema.parse({}),
    destination: new Writable({ write: (chunk: Buffer, _e, done) => ((logged += chunk.toString()), done()) }),
  });
  const registry = createRegistry();
  const httpLogger = createHttpLogger(logger, routeOf);
  const httpMetrics = createHttpMetrics(registry, routeOf);
  server = createServer((req, res) => {
    httpMetrics.observe(req, res);
    httpLogger(req, res);
    (req as IncomingMessage & { log: typeof logger }).log.info(
      { seen: req.headers['x-request-id'] },
      'handling',
    );
    if (req.url === '/items/slow') return void setTimeout(() => res.end('late'), 2_000);
    res.statusCode = req.url?.startsWith('/items/') ? (req.url.endsWith('boom') ? 503 : 200) : 404;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  metrics = await startMetricsServer(registry, '127.0.0.1', 0);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await metrics.close();
});

describe('request ids', () => {
  it('adopts a well-formed id and replaces anything else', () => {
    expect(requestIdFrom('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(requestIdFrom(['3f8e2f6c-0c6e-4d1e-9d5b-7b2b8c1f9e11', 'x'])).toBe(
      '3f8e2f6c-0c6e-4d1e-9d5b-7b2b8c1f9e11',
    );
    for (const bad of [
      undefined,
      '',
      'short',
      'has space inside',
      'x'.repeat(129),
      'line\nbreak',
      '"quoted-value"',
    ])
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('the request logger', () => {
  it('echoes the id, passes it on as the request header and puts it on every line of the request', async () => {
    const response = await fetch(`${base}/items/42?token=abcdef`, {
      headers: { 'x-request-id': 'req-from-the-edge' },
    });
    expect(response.headers.get('x-request-id')).toBe('req-from-the-edge');
    await response.text();
    const mine = lines().filter((l) => l.req?.id === 'req-from-the-edge');
    expect(mine.map((l) => l.msg)).toEqual(['handling', 'request completed']);
    expect(mine[0]).toMatchObject({ seen: 'req-from-the-edge' });
    expect(mine[1]).toMatchObject({
      level: 'info',
      route: '/items/:id',
      res: { statusCode: 200 },
      req: { method: 'GET', url: '/items/42?token=[Redacted]' },
    });
    expect(mine[1]!.responseTime).toBeGreaterThanOrEqual(0);
    expect(logged).not.toContain('abcdef');
  });

  it('logs a 5xx at error level', async () => {
    await (await fetch(`${base}/items/boom`, { headers: { 'x-request-id': 'req-failing-0001' } })).text();
    expect(lines().find((l) => l.req?.id === 'req-failing-0001' && l.res)).toMatchObject({
      level: 'error',
      msg: 'request errored',
      err: { type: 'Error', message: 'failed with status code 503' },
    });
  });
});

describe('HTTP metrics', () => {
  const scrape = async () => (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();

  it('count requests by method, route template and status, with the contract buckets', async () => {
    await (await fetch(`${base}/items/7`)).text();
    await (await fetch(`${base}/nowhere/7`)).text();
    await (await fetch(`${base}/items/7`, { method: 'PROPFIND' })).text();
    const text = await scrape();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/items\/:id",status="200"\} [1-9]/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="other",route="\/items\/:id",status="200"\} 1$/m);
    const buckets = [
      ...text.matchAll(/http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="unmatched"/g),
    ];
    expect(buckets.map((m) => m[1])).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
    expect(text).not.toContain('/nowhere');
  });

  it('record a request whose client went away as 499', async () => {
    await fetch(`${base}/items/slow`, { signal: AbortSignal.timeout(200) }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await scrape()).toMatch(
      /^http_requests_total\{method="GET",route="\/items\/:id",status="499"\} 1$/m,
    );
  });

  it('pass promtool check metrics, defaults included', async () => {
    const text = await scrape();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(() => execFileSync('promtool', ['check', 'metrics'], { input: text })).not.toThrow();
  });

  it('are served on GET /metrics only', async () => {
    const url = `http://127.0.0.1:${metrics.port}`;
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${url}/metrics`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('boundedLabel', () => {
  it('keeps the first values and counts later new ones as other', () => {
    const label = boundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(label)).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
  });
});
