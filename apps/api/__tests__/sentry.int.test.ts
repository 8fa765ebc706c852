// The built API with Sentry on, against the stack's PostgreSQL and Redis: a request that fails on the
// server (its table does not exist) arrives at the fake Sentry as an event with the exception's
// frames, release, environment, route, request id, the caller's trace id and a DB breadcrumb, with
// no secret in it; 4xx never arrive; spans still reach the OTLP receiver once, with our resource.
// Run: npx vitest run --project integration apps/api/__tests__/sentry.int.test.ts
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../actions/lib/system/exec';
import { startFakeOtlp, type FakeOtlp } from '../../../test/fake-otlp';
import { startFakeSentry, type FakeSentry } from '../../../test/fake-sentry';
import { REPO_ROOT } from '../../../test/run-action';
import { stackEnv } from '../../../test/stack-env';
import { createDatabase, eventually, freePort, startChild, waitForHttp, type Child } from './support';

const API_DIR = resolve(REPO_ROOT, 'apps/api');
const VERSION = '4.5.6-sentry';
const CANARIES = {
  authorization: 'bearer-canary-9d8e7f',
  cookie: 'cookie-canary-1a2b3c',
  query: 'query-token-canary-4d5e6f',
};
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

interface SentryEvent {
  event_id: string;
  release?: string;
  environment?: string;
  transaction?: string;
  tags?: Record<string, string>;
  user?: Record<string, unknown>;
  contexts?: { trace?: { trace_id?: string; span_id?: string } };
  exception?: { values: { type: string; value: string; stacktrace?: { frames: { filename?: string }[] } }[] };
  breadcrumbs?:
    { category?: string; message?: string }[] | { values: { category?: string; message?: string }[] };
}

let sentry: FakeSentry;
let otlp: FakeOtlp;
let db: Awaited<ReturnType<typeof createDatabase>>;
// A sector no other test lists: the stack's Redis is shared, and another test's cached listing of
// the same sector would answer 200 where this database (no tables) must fail.
const SECTOR = 'sentry-untabled';
let api: Child;
let base: string;

const events = () => sentry.events as unknown as SentryEvent[];
const eventOf = (requestId: string) => events().find((e) => e.tags?.request_id === requestId);
const breadcrumbsOf = (event: SentryEvent) =>
  Array.isArray(event.breadcrumbs) ? event.breadcrumbs : (event.breadcrumbs?.values ?? []);

beforeAll(async () => {
  await runCommand(['npm', 'run', 'build', '-w', 'apps/api'], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  sentry = await startFakeSentry();
  otlp = await startFakeOtlp();
  db = await createDatabase('sentry_it'); // no migrations: listing knowledge sources fails with a 500
  const port = await freePort();
  api = startChild(['node', 'dist/main.js'], {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_VERSION: VERSION,
      APP_ENV: 'staging',
      DATABASE_URL: db.url,
      REDIS_URL: stackEnv().STACK_REDIS_URL,
      SENTRY_DSN: sentry.dsn('contextai-api'),
      SENTRY_TRACES_SAMPLE_RATE: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  base = `http://127.0.0.1:${port}/api`;
  await waitForHttp(`${base}/health`, api);
}, 400_000);

afterAll(async () => {
  await api?.stop();
  await sentry?.close();
  await otlp?.close();
  await db?.drop();
});

describe('a server error', () => {
  let event: SentryEvent;

  beforeAll(async () => {
    const response = await fetch(
      `${base}/sectors/${SECTOR}/knowledge-sources?access_token=${CANARIES.query}`,
      {
        headers: {
          'x-request-id': 'sentry-error-0001',
          traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
          authorization: `Bearer ${CANARIES.authorization}`,
          cookie: `session=${CANARIES.cookie}`,
        },
      },
    );
    expect(response.status).toBe(500);
    await eventually(async () => eventOf('sentry-error-0001') !== undefined);
    event = eventOf('sentry-error-0001')!;
  });

  it('arrives with the exception and its frames, release and environment', () => {
    const exception = event.exception!.values.at(-1)!;
    expect(exception.value).toMatch(/relation .* does not exist/);
    expect(exception.stacktrace!.frames.length).toBeGreaterThan(0);
    expect(event.release).toBe(VERSION);
    expect(event.environment).toBe('staging');
  });

  it('carries the route template, the request id and the caller’s trace id', () => {
    expect(event.tags).toMatchObject({ route: '/api/sectors/:sector/knowledge-sources' });
    expect(event.transaction).toBe('GET /api/sectors/:sector/knowledge-sources');
    expect(event.contexts?.trace?.trace_id).toBe(TRACE_ID);
  });

  it('has the failed query as a breadcrumb', () => {
    const queries = breadcrumbsOf(event).filter((b) => b.category === 'query');
    expect(queries.some((b) => /knowledge_sources/.test(b.message ?? ''))).toBe(true);
  });

  it('holds no authorization, cookie or query token, and no user for an anonymous request', () => {
    const sent = sentry.envelopes.flatMap((e) => e.items.map((item) => item.payload.toString('utf8')));
    for (const canary of Object.values(CANARIES)) expect(sent.join('\n')).not.toContain(canary);
    expect(JSON.stringify(event)).toContain('access_token=[Redacted]');
    expect(event.user).toBeUndefined();
  });

  it('is traced once, to the OTLP receiver too, with the API’s resource', async () => {
    const spans = await otlp.waitFor((all) =>
      all.some((s) => s.traceId === TRACE_ID && s.kind === 'SPAN_KIND_SERVER'),
    );
    const servers = spans.filter((s) => s.traceId === TRACE_ID && s.kind === 'SPAN_KIND_SERVER');
    expect(servers).toHaveLength(1);
    expect(servers[0]!.resource).toMatchObject({
      'service.name': 'contextai-api',
      'service.version': VERSION,
      'deployment.environment': 'staging',
    });
  });
});

describe('client errors', () => {
  it('are not reported (404, 400), while a later server error is', async () => {
    expect((await fetch(`${base}/no-such-route`, { headers: { 'x-request-id': 'sentry-404' } })).status).toBe(
      404,
    );
    const invalid = await fetch(`${base}/sectors/${SECTOR}/knowledge-sources?limit=nope`, {
      headers: { 'x-request-id': 'sentry-400' },
    });
    expect(invalid.status).toBe(400);
    const after = await fetch(`${base}/sectors/${SECTOR}/knowledge-sources`, {
      headers: { 'x-request-id': 'sentry-after' },
    });
    expect(after.status).toBe(500);
    await eventually(async () => eventOf('sentry-after') !== undefined);
    expect(eventOf('sentry-404')).toBeUndefined();
    expect(eventOf('sentry-400')).toBeUndefined();
    expect(events().filter((e) => e.exception)).toHaveLength(2);
  });
});
