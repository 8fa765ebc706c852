// The built API (node dist/main.js) against the stack's PostgreSQL and a private redis-server:
// migrations, endpoints, validation, readiness, start-up refusal and graceful shutdown.
// Run: npx vitest run --project integration apps/api/__tests__/api.int.test.ts
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startJwksServer, type JwksServer } from '../../../test/jwks-server';
import { REPO_ROOT } from '../../../test/run-action';
import { migrate, readMigrations } from '../src/migrations/migrator';
import {
  createDatabase,
  eventually,
  freePort,
  startChild,
  startRedis,
  waitForHttp,
  withClient,
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
/** A token with the write permission: what the product's users get from Auth0. */
let writer: string;

function apiEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NO_COLOR: '1', NODE_ENV: 'test', HOST: '127.0.0.1', ...extra };
}

const migrateCli = (databaseUrl: string) =>
  runCommand(['node', 'dist/migrations/cli.js'], {
    cwd: API_DIR,
    env: apiEnv({ DATABASE_URL: databaseUrl }),
  });

beforeAll(async () => {
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  db = await createDatabase('api_it');
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  const port = await freePort();
  // Every route is under the global prefix `/api` (the edge forwards `/api/...` unchanged).
  base = `http://127.0.0.1:${port}/api`;
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  issuer = await startJwksServer();
  writer = await issuer.sign({ permissions: ['write:knowledge-sources'] }, { expiresIn: '1h' });
  expect((await migrateCli(db.url)).stdout).toContain('2 migration(s) applied, 0 already applied');
  api = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: apiEnv({
      PORT: String(port),
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      APP_VERSION: '1.2.3-test',
      APP_REVISION: 'abc1234',
      APP_BUILT_AT: '2026-01-02T03:04:05Z',
      HEALTH_CHECK_TIMEOUT_MS: '500',
      METRICS_PORT: String(metricsPort),
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
    }),
  });
  await waitForHttp(`${base}/health`, api);
});

afterAll(async () => {
  await api?.stop();
  await redis?.stop();
  await db?.drop();
  await issuer?.close();
});

// `null`: no Authorization header (undefined would take the default).
const post = (path: string, body: unknown, token: string | null = writer) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

const remove = (path: string, token: string | null = writer) =>
  fetch(`${base}${path}`, {
    method: 'DELETE',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

async function authFailures(): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const [, reason, value] of text.matchAll(/^auth_failures_total\{reason="(\w+)"\} (\d+)$/gm))
    counts[reason!] = Number(value);
  return counts;
}

describe('migrations', () => {
  it('are idempotent and recorded', async () => {
    expect((await migrateCli(db.url)).stdout).toContain('0 migration(s) applied, 2 already applied');
    const rows = await withClient(db.url, (c) => c.query('SELECT id FROM schema_migrations ORDER BY id'));
    expect(rows.rows.map((r) => r.id)).toEqual(['001_create_knowledge_sources', '002_sector_counts']);
  });

  it('create the index that serves the list query', async () => {
    const plan = await withClient(db.url, async (c) => {
      // A tiny table would be scanned whole: ask what the planner does when it must use an index.
      await c.query('SET enable_seqscan = off');
      await c.query('SET enable_bitmapscan = off');
      const { rows } = await c.query(
        "EXPLAIN SELECT id FROM knowledge_sources WHERE sector = 'legal' ORDER BY created_at DESC, id DESC LIMIT 20",
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('knowledge_sources_sector_created_at_idx');
    expect(plan).not.toContain('Sort');
  });

  it('refuse an applied migration whose file was edited', async () => {
    const [first] = readMigrations(resolve(API_DIR, 'migrations'));
    const edited = { ...first!, sql: `${first!.sql}\n-- edited`, checksum: 'not-the-applied-one' };
    await expect(withClient(db.url, (c) => migrate(c, [edited]))).rejects.toThrow(
      /001_create_knowledge_sources/,
    );
  });

  it('fail with the list of env problems', async () => {
    const result = await runCommand(['node', 'dist/migrations/cli.js'], {
      cwd: API_DIR,
      env: apiEnv(),
      allowFailure: true,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL: required');
  });
});

describe('health and version', () => {
  it('GET /api/health is up', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /api/version reports the build', async () => {
    expect(await (await fetch(`${base}/version`)).json()).toEqual({
      version: '1.2.3-test',
      revision: 'abc1234',
      builtAt: '2026-01-02T03:04:05Z',
    });
  });

  it('GET /api/health/ready follows Redis going away and coming back', async () => {
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });

    expect(await redis.stop()).toBe(0);
    const down = await fetch(`${base}/health/ready`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: Record<string, unknown>; info: Record<string, unknown> };
    expect(body.error).toEqual({ redis: { status: 'down' } });
    expect(body.info).toMatchObject({ postgres: { status: 'up' } });
    expect(await (await fetch(`${base}/health`)).status).toBe(200); // liveness does not depend on Redis

    redis = await startRedis(redisPort);
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200);
  });

  it('GET /api/health/ready names PostgreSQL when its database is unreachable', async () => {
    const port = await freePort();
    const broken = startChild(['node', 'dist/main.js'], {
      cwd: API_DIR,
      env: apiEnv({
        PORT: String(port),
        DATABASE_URL: db.url.replace(/:\d+\//, `:${await freePort()}/`),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      }),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/api/health`, broken);
      let body: { error?: Record<string, unknown> } = {};
      await eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/health/ready`);
        body = (await response.json()) as typeof body;
        return response.status === 503 && Object.keys(body.error ?? {}).join() === 'postgres';
      });
      // Up or down only: the driver's error (hosts, ports, user names) goes to the log, not the body.
      expect(body.error).toEqual({ postgres: { status: 'down' } });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect(broken.output()).toMatch(/readiness: postgres is down: .*ECONNREFUSED/);
    } finally {
      await broken.stop();
    }
  });
});

describe('knowledge sources', () => {
  it('create, get, list by page and delete', async () => {
    const created = await post('/sectors/legal/knowledge-sources', {
      title: 'GDPR text',
      kind: 'url',
      uri: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj',
    });
    expect(created.status).toBe(201);
    const source = (await created.json()) as { id: string; sector: string; description: string };
    expect(source).toMatchObject({ sector: 'legal', title: 'GDPR text', kind: 'url', description: '' });

    for (const title of ['FAQ one', 'FAQ two'])
      expect((await post('/sectors/legal/knowledge-sources', { title, kind: 'faq' })).status).toBe(201);
    expect(
      (await post('/sectors/health/knowledge-sources', { title: 'Other sector', kind: 'document' })).status,
    ).toBe(201);

    const got = await fetch(`${base}/sectors/legal/knowledge-sources/${source.id}`);
    expect(await got.json()).toEqual(source);
    expect((await fetch(`${base}/sectors/health/knowledge-sources/${source.id}`)).status).toBe(404);

    const page1 = (await (await fetch(`${base}/sectors/legal/knowledge-sources?limit=2`)).json()) as {
      items: { title: string }[];
      nextCursor: string;
    };
    expect(page1.items.map((i) => i.title)).toEqual(['FAQ two', 'FAQ one']);
    const page2 = (await (
      await fetch(`${base}/sectors/legal/knowledge-sources?limit=2&cursor=${page1.nextCursor}`)
    ).json()) as {
      items: { title: string }[];
      nextCursor: string | null;
    };
    expect(page2).toEqual({ items: [expect.objectContaining({ title: 'GDPR text' })], nextCursor: null });

    expect(await (await fetch(`${base}/sectors`)).json()).toEqual({
      items: [
        { sector: 'health', count: 1 },
        { sector: 'legal', count: 3 },
      ],
    });

    expect((await remove(`/sectors/legal/knowledge-sources/${source.id}`)).status).toBe(204);
    expect((await remove(`/sectors/legal/knowledge-sources/${source.id}`)).status).toBe(404);
    expect((await fetch(`${base}/sectors/legal/knowledge-sources/${source.id}`)).status).toBe(404);
  });

  it('refuses a duplicate uri in the same sector with 409', async () => {
    const body = { title: 'Site', kind: 'url', uri: 'https://example.org/dup' };
    expect((await post('/sectors/retail/knowledge-sources', body)).status).toBe(201);
    expect((await post('/sectors/retail/knowledge-sources', body)).status).toBe(409);
    expect((await post('/sectors/banking/knowledge-sources', body)).status).toBe(201);
  });

  it.each([
    [
      'a bad sector',
      '/sectors/Legal%20Team/knowledge-sources',
      { title: 'x', kind: 'faq' },
      'sector: expected a sector slug',
    ],
    ['a missing title', '/sectors/legal/knowledge-sources', { kind: 'faq' }, 'title: required'],
    [
      'an unknown kind',
      '/sectors/legal/knowledge-sources',
      { title: 'x', kind: 'video' },
      'kind: expected one of url, document, faq, dataset',
    ],
    [
      'a url without uri',
      '/sectors/legal/knowledge-sources',
      { title: 'x', kind: 'url' },
      'uri: required when kind is "url"',
    ],
    [
      'a non-http uri',
      '/sectors/legal/knowledge-sources',
      { title: 'x', kind: 'url', uri: 'ftp://x.org/a' },
      'uri: expected an http(s) URL',
    ],
    [
      'an unknown field',
      '/sectors/legal/knowledge-sources',
      { title: 'x', kind: 'faq', owner: 'me' },
      'body: unknown field owner',
    ],
    [
      'a long title',
      '/sectors/legal/knowledge-sources',
      { title: 'x'.repeat(201), kind: 'faq' },
      'title: expected at most 200 characters',
    ],
  ])('answers 400 with the reason for %s', async (_case, path, body, reason) => {
    const response = await post(path, body);
    expect(response.status).toBe(400);
    const json = (await response.json()) as { message: string; problems: string[] };
    expect(json.problems.join('\n')).toContain(reason);
    expect(json.message).toContain(reason);
  });

  it.each([
    [
      'a malformed JSON body',
      () =>
        fetch(`${base}/sectors/legal/knowledge-sources`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
          body: '{"title":',
        }),
    ],
    ['a bad id', () => fetch(`${base}/sectors/legal/knowledge-sources/not-a-uuid`)],
    ['a bad limit', () => fetch(`${base}/sectors/legal/knowledge-sources?limit=0`)],
    ['a forged cursor', () => fetch(`${base}/sectors/legal/knowledge-sources?cursor=abc`)],
    [
      'a cursor whose date is "1" (PostgreSQL would take it)',
      () => fetch(`${base}/sectors/legal/knowledge-sources?cursor=${cursorOf(['1', crypto.randomUUID()])}`),
    ],
    [
      'a cursor whose id is not a UUID',
      () =>
        fetch(
          `${base}/sectors/legal/knowledge-sources?cursor=${cursorOf(['2026-01-02T03:04:05Z', '-'.repeat(36)])}`,
        ),
    ],
  ])('answers 400 for %s', async (_case, request) => {
    const response = await request();
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBeTruthy();
  });

  it('names the cursor in the 400 for a malformed one', async () => {
    const response = await fetch(`${base}/sectors/legal/knowledge-sources?cursor=${cursorOf(['1', 'x'])}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toBe(
      'Invalid query: cursor: expected a nextCursor value from a previous page',
    );
  });
});

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('writes need a valid access token (JWKS, issuer, audience, permission)', () => {
  const body = { title: 'Guarded', kind: 'faq' };
  const path = '/sectors/auth/knowledge-sources';

  it('refuses each kind of bad credentials with 401/403, no detail, counted by reason', async () => {
    const before = await authFailures();
    expect(Object.keys(before).sort()).toEqual(['expired', 'forbidden', 'invalid', 'missing']);
    const cases: [string | null, number, string][] = [
      [null, 401, 'missing'],
      [await issuer.sign({ permissions: ['write:knowledge-sources'] }, { forged: true }), 401, 'invalid'],
      [
        await issuer.sign({ permissions: ['write:knowledge-sources'], aud: 'https://other.example' }),
        401,
        'invalid',
      ],
      [
        await issuer.sign(
          { permissions: ['write:knowledge-sources'] },
          { expiresIn: Math.floor(Date.now() / 1000) - 60 },
        ),
        401,
        'expired',
      ],
      [await issuer.sign({ permissions: ['read:knowledge-sources'] }), 403, 'forbidden'],
    ];
    for (const [token, status, reason] of cases) {
      const response = await post(path, body, token);
      expect(response.status, reason).toBe(status);
      // No detail: the same body for every reason, nothing about which check failed.
      expect(await response.json(), reason).toEqual({
        statusCode: status,
        message: status === 401 ? 'Unauthorized' : 'Forbidden',
      });
      if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    // A write is checked before its body: an anonymous caller learns nothing from validation either.
    expect((await post(path, { kind: 'nope' }, null)).status).toBe(401);
    expect((await remove(`${path}/${crypto.randomUUID()}`, null)).status).toBe(401);
    const after = await authFailures();
    expect(after).toEqual({
      missing: before.missing! + 3,
      invalid: before.invalid! + 2,
      expired: before.expired! + 1,
      forbidden: before.forbidden! + 1,
    });
  });

  it('lets a token with the permission create and delete; reads stay public', async () => {
    const created = await post(path, body);
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${base}${path}/${id}`)).status).toBe(200);
    expect(
      (await remove(`${path}/${id}`, await issuer.sign({ scope: 'openid write:knowledge-sources' }))).status,
    ).toBe(204);
  });

  it('refuses every write when no issuer is configured (closed by default)', async () => {
    const port = await freePort();
    const closed = startChild(['node', 'dist/main.js'], {
      cwd: API_DIR,
      env: apiEnv({ PORT: String(port), DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` }),
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/api/health`, closed);
      const response = await fetch(`http://127.0.0.1:${port}/api${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(401);
      expect(closed.output()).toContain('AUTH_ISSUER and AUTH_AUDIENCE are not set: every write is refused');
    } finally {
      await closed.stop();
    }
  });
});

describe('start-up', () => {
  it('refuses a bad environment with the list of every problem, before listening', async () => {
    const secret = 'canary-password-5f1c';
    const result = await runCommand(['node', 'dist/main.js'], {
      cwd: API_DIR,
      env: apiEnv({ PORT: 'eighty', REDIS_URL: `http://user:${secret}@cache`, DATABASE_SSL: 'maybe' }),
      allowFailure: true,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid environment (4 problems)');
    for (const line of [
      '- PORT: expected number',
      '- DATABASE_URL: required',
      '- DATABASE_SSL: expected one of true, 1, yes, on, false, 0, no, off',
      '- REDIS_URL: expected a redis:// or rediss:// URL',
    ])
      expect(result.stderr).toContain(line);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout).not.toContain('listening');
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, completes the request in flight, closes the pools and exits 0', async () => {
    // Hold a lock the list query waits for: a real request that stays in flight as long as we want.
    const locker = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: db.url }));
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE knowledge_sources IN ACCESS EXCLUSIVE MODE');
      const inFlight = fetch(`${base}/sectors/legal/knowledge-sources`);
      await sleep(500);
      api.process.kill('SIGTERM');
      await sleep(500);

      await expect(fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
      expect(api.process.exitCode).toBeNull(); // still draining

      await locker.query('COMMIT');
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { items: unknown[] }).items.length).toBe(2);
      expect(await api.exited).toBe(0);
      expect(api.output()).toContain('SIGTERM received');
      expect(api.output()).toContain('closed cleanly');
    } finally {
      await locker.end();
    }
    // The pool is closed: no session of the app is left on the database.
    const sessions = await withClient(db.url, (c) =>
      c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'contextai-api'"),
    );
    expect(sessions.rows[0].n).toBe(0);
  });
});
