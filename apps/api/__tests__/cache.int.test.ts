// The read cache and HTTP caching of the built API (node dist/main.js) on the stack's PostgreSQL and
// a private redis-server that the test stops under load: exact counts and no stale read right after
// a write, one rebuild per key under concurrency, PostgreSQL answering while Redis is away,
// Cache-Control per route and ETag/If-None-Match 304.
// Run: npx vitest run --project integration apps/api/__tests__/cache.int.test.ts
import { get as httpGet } from 'node:http';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { REPO_ROOT } from '../../../test/run-action';
import { GLOBAL_PREFIX } from '../src/http/prefix';
import {
  createDatabase,
  eventually,
  freePort,
  startChild,
  startRedis,
  waitForHttp,
  type Child,
} from './support';

const API_DIR = resolve(REPO_ROOT, 'apps/api');
let db: Awaited<ReturnType<typeof createDatabase>>;
let redisPort: number;
let redis: Child;
let api: Child;
let base: string;
let metricsUrl: string;
let issuer: JwksServer;
/** Writes need an access token with the write permission (the API verifies it against the issuer's JWKS). */
let auth: { authorization: string };

beforeAll(async () => {
  // Generous: the build shares two cores with the rest of the suite.
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  db = await createDatabase('cache_it');
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  issuer = await startJwksServer();
  auth = {
    authorization: `Bearer ${await issuer.sign({ permissions: ['write:knowledge-sources'] }, { expiresIn: '1h' })}`,
  };
  const env = { PATH: process.env.PATH, NODE_ENV: 'test', HOST: '127.0.0.1', DATABASE_URL: db.url };
  await runCommand(['node', 'dist/migrations/cli.js'], { cwd: API_DIR, env });
  const [port, metricsPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}/${GLOBAL_PREFIX}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  api = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: {
      ...env,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      HEALTH_CHECK_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
    },
  });
  await waitForHttp(`${base}/health`, api);
}, 420_000);

afterAll(async () => {
  await api?.stop();
  await redis?.stop();
  await db?.drop();
  await issuer?.close();
});

const create = async (sector: string, title: string) => {
  const response = await fetch(`${base}/sectors/${sector}/knowledge-sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ title, kind: 'faq' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; title: string };
};
const remove = async (sector: string, id: string) =>
  expect(
    (await fetch(`${base}/sectors/${sector}/knowledge-sources/${id}`, { method: 'DELETE', headers: auth }))
      .status,
  ).toBe(204);
const json = async (path: string) => {
  const response = await fetch(`${base}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as unknown;
};
const overview = () => json('/sectors') as Promise<{ items: { sector: string; count: number }[] }>;
const countOf = async (sector: string) =>
  (await overview()).items.find((item) => item.sector === sector)?.count ?? 0;

/** cache_requests_total of one cache and result, read from the API's metrics listener. */
async function cacheRequests(cache: string, result: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`cache_requests_total{cache="${cache}",result="${result}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('read cache', () => {
  it('keeps the overview exact right after each create and delete', async () => {
    expect(await countOf('retail')).toBe(0);
    const sources = [];
    for (let i = 1; i <= 3; i++) {
      sources.push(await create('retail', `Return policy ${i}`));
      expect(await countOf('retail')).toBe(i); // a miss: the write invalidated the overview
      expect(await countOf('retail')).toBe(i); // a hit
    }
    await remove('retail', sources[0]!.id);
    expect(await countOf('retail')).toBe(2);
    expect(await cacheRequests('sectors', 'hit')).toBeGreaterThan(0);
    await remove('retail', sources[1]!.id);
    await remove('retail', sources[2]!.id);
    expect((await overview()).items.map((item) => item.sector)).not.toContain('retail');
  });

  it('never serves a stale first page or source after a write', async () => {
    const first = await create('legal', 'Contract templates');
    const page = async () =>
      (await json('/sectors/legal/knowledge-sources?limit=5')) as { items: { id: string }[] };
    expect((await page()).items.map((s) => s.id)).toEqual([first.id]);
    expect((await page()).items.map((s) => s.id)).toEqual([first.id]); // now from the cache
    const second = await create('legal', 'Case law index');
    expect((await page()).items.map((s) => s.id)).toEqual([second.id, first.id]);

    expect(await json(`/sectors/legal/knowledge-sources/${first.id}`)).toMatchObject({ id: first.id });
    await remove('legal', first.id);
    expect((await fetch(`${base}/sectors/legal/knowledge-sources/${first.id}`)).status).toBe(404);
    expect((await page()).items.map((s) => s.id)).toEqual([second.id]);
  });

  it('rebuilds a key once when many requests miss it at the same time', async () => {
    await create('energy', 'Grid tariffs'); // a write: the next overview read misses
    const [misses, hits] = [await cacheRequests('sectors', 'miss'), await cacheRequests('sectors', 'hit')];
    const results = await Promise.all(Array.from({ length: 50 }, () => countOf('energy')));
    expect(results).toEqual(Array(50).fill(1));
    expect((await cacheRequests('sectors', 'miss')) - misses).toBe(1);
    expect((await cacheRequests('sectors', 'hit')) - hits).toBe(49);
  });
});

describe('Redis stopped under load', () => {
  it('answers every request from PostgreSQL, reports Redis down, and recovers without stale data', async () => {
    const source = await create('transport', 'Timetables');
    expect(await countOf('transport')).toBe(1);
    let stop = false;
    const outcomes: number[] = [];
    const worker = async () => {
      while (!stop) {
        const response = await fetch(`${base}/sectors`).catch(() => undefined);
        outcomes.push(response?.status ?? 0);
        await response?.arrayBuffer();
      }
    };
    const load = Array.from({ length: 8 }, worker);
    await eventually(async () => outcomes.length > 100, 10_000);
    const errorsBefore = await cacheRequests('sectors', 'error');
    await redis.stop();
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 503);
    const ready = (await (await fetch(`${base}/health/ready`)).json()) as { error: Record<string, unknown> };
    expect(ready.error).toHaveProperty('redis.status', 'down');
    // A write while Redis is away cannot invalidate: the cache must not serve the old count later.
    await remove('transport', source.id);
    const during = outcomes.length;
    await eventually(async () => outcomes.length > during + 200, 10_000);
    expect(await countOf('transport')).toBe(0);
    expect(await cacheRequests('sectors', 'error')).toBeGreaterThan(errorsBefore);

    redis = await startRedis(redisPort); // same port, empty: as after a restart without persistence
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200);
    stop = true;
    await Promise.all(load);
    expect(outcomes.filter((status) => status !== 200)).toEqual([]);
    expect(await countOf('transport')).toBe(0);
    expect(await countOf('transport')).toBe(0);
  });
});

/** A GET through node:http: fetch() turns an If-None-Match request into `Cache-Control: no-cache`. */
function conditionalGet(
  path: string,
  etag: string,
): Promise<{ status: number; etag?: string; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(`${base}${path}`, { headers: { 'if-none-match': etag } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
    }).on('error', reject);
  });
}

describe('HTTP caching', () => {
  it('revalidates cacheable GETs with a strong ETag and answers 304 when unchanged', async () => {
    const first = await fetch(`${base}/sectors`);
    expect(first.headers.get('cache-control')).toBe('public, no-cache');
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await conditionalGet('/sectors', etag!);
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    await create('energy', 'Meter readings');
    const changed = await conditionalGet('/sectors', etag!);
    expect(changed.status).toBe(200);
    expect(changed.etag).not.toBe(etag);
  });

  it('marks writes and health as not storable', async () => {
    const created = await fetch(`${base}/sectors/energy/knowledge-sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ title: 'Outage map', kind: 'faq' }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${base}/health/ready`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${base}/version`)).headers.get('cache-control')).toBe('public, no-cache');
  });
});
