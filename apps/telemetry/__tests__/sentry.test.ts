import { describe, expect, it } from 'vitest';
import {
  browserSentryConfig,
  browserSentryOptions,
  REDACTED,
  Scrubber,
  scrubEvent,
  sentryEnabled,
  sentryTracesSampleRate,
} from '../src';
import * as browserPart from '../src/browser';

const CANARIES = {
  authorization: 'bearer-canary-31a7',
  cookie: 'cookie-canary-8e2f',
  password: 'password-canary-5c0d',
  query: 'query-canary-9b14',
  dbPassword: 'dbpass-canary-77aa',
};

describe('scrubEvent', () => {
  it('removes authorization, cookies, passwords, query tokens, known secrets and all of the user but the id', () => {
    const scrubber = new Scrubber([CANARIES.dbPassword]);
    const event = {
      message: `connect to postgres://app:${CANARIES.dbPassword}@db/app failed`,
      user: { id: '42', email: 'ada@example.com', ip_address: '10.1.2.3', username: 'ada' },
      request: {
        url: `https://app.example/api/x?access_token=${CANARIES.query}&page=2`,
        query_string: `token=${CANARIES.query}&page=2`,
        headers: {
          Authorization: `Bearer ${CANARIES.authorization}`,
          cookie: `s=${CANARIES.cookie}`,
          accept: '*/*',
        },
        cookies: { s: CANARIES.cookie },
        data: { title: 'x', password: CANARIES.password },
      },
      contexts: { trace: { data: { 'url.query': `api_key=${CANARIES.query}` } } },
      breadcrumbs: [{ category: 'http', data: { url: `/login?password=${CANARIES.password}` } }],
    };
    const out = scrubEvent(event, scrubber);
    const text = JSON.stringify(out);
    for (const canary of Object.values(CANARIES)) expect(text).not.toContain(canary);
    expect(out.user).toEqual({ id: '42' });
    expect(out.request.headers).toEqual({ Authorization: REDACTED, cookie: REDACTED, accept: '*/*' });
    expect(out.request).not.toHaveProperty('cookies');
    expect(out.request.url).toBe(`https://app.example/api/x?access_token=${REDACTED}&page=2`);
    expect(out.request.query_string).toBe(`token=${REDACTED}&page=2`);
  });

  it('drops a user without an id', () => {
    expect(scrubEvent({ user: { email: 'ada@example.com' } }, new Scrubber()).user).toBeUndefined();
  });
});

describe('Sentry settings', () => {
  it('is on only with a DSN', () => {
    expect(sentryEnabled({})).toBe(false);
    expect(sentryEnabled({ SENTRY_DSN: 'https://abc@o1.ingest.sentry.io/1' })).toBe(true);
  });

  it('samples 10% of new traces in production, all elsewhere, unless set', () => {
    const env = { SENTRY_SAMPLE_RATE: 1 };
    expect(sentryTracesSampleRate(env, 'production')).toBe(0.1);
    expect(sentryTracesSampleRate(env, 'staging')).toBe(1);
    expect(sentryTracesSampleRate({ ...env, SENTRY_TRACES_SAMPLE_RATE: 0.5 }, 'production')).toBe(0.5);
  });
});

describe('the browser’s settings', () => {
  const app = { release: '1.2.3', environment: 'production' };
  const dsn = 'https://abc@o1.ingest.sentry.io/1';

  it('are none without a DSN', () => {
    expect(browserSentryConfig({ SENTRY_SAMPLE_RATE: 1 }, app)).toBeUndefined();
  });

  it('follow the server’s environment: release, environment, sampling', () => {
    expect(browserSentryConfig({ SENTRY_DSN: dsn, SENTRY_SAMPLE_RATE: 0.5 }, app)).toEqual({
      dsn,
      release: '1.2.3',
      environment: 'production',
      sampleRate: 0.5,
      tracesSampleRate: 0.1,
    });
    expect(
      browserSentryConfig({ SENTRY_DSN: dsn, SENTRY_SAMPLE_RATE: 1, SENTRY_ENVIRONMENT: 'prod-eu' }, app)
        ?.environment,
    ).toBe('prod-eu');
  });

  it('send no default PII and scrub events and breadcrumbs', () => {
    const config = browserSentryConfig({ SENTRY_DSN: dsn, SENTRY_SAMPLE_RATE: 1 }, app)!;
    const options = browserSentryOptions(config, new Scrubber());
    expect(options.sendDefaultPii).toBe(false);
    const event = options.beforeSend!(
      { type: undefined, request: { url: '/x?access_token=canary-1234' }, user: { id: '7', email: 'a@b.c' } },
      {},
    ) as { request: { url: string }; user: unknown };
    expect(event.request.url).toBe(`/x?access_token=${REDACTED}`);
    expect(event.user).toEqual({ id: '7' });
    const crumb = options.beforeBreadcrumb!({ data: { url: '/y?token=canary-5678' } }, {});
    expect(JSON.stringify(crumb)).not.toContain('canary-5678');
  });

  it('come from the package’s browser part, which loads no Node module', async () => {
    expect(browserPart.browserSentryOptions).toBe(browserSentryOptions);
    const { readFileSync } = await import('node:fs');
    for (const file of ['browser.ts', 'scrub.ts', 'sentry-common.ts']) {
      const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
      const imports = [...source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)];
      for (const [, , typeOnly, from] of imports)
        expect(typeOnly !== undefined || from!.startsWith('./'), `${file} imports ${from}`).toBe(true);
    }
  });
});
