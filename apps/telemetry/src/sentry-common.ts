import type { Breadcrumb, Event, NodeOptions } from '@sentry/node';
import type { TelemetryEnv } from './env';
import type { Scrubber } from './scrub';

// The Sentry settings and the event scrubbing shared by the servers (sentry.ts) and the web's
// browser code (apps/web/instrumentation-client.ts): no Node module and no runtime import here, so
// a browser bundle can include this file (and scrub.ts) without the rest of the package.

export type SentryEnv = Pick<
  TelemetryEnv,
  'SENTRY_DSN' | 'SENTRY_ENVIRONMENT' | 'SENTRY_SAMPLE_RATE' | 'SENTRY_TRACES_SAMPLE_RATE'
>;

export function sentryEnabled(env: Partial<SentryEnv>): boolean {
  return Boolean(env.SENTRY_DSN);
}

/** Traces sampled when Sentry is on: SENTRY_TRACES_SAMPLE_RATE, else 10% in production, else all. */
export function sentryTracesSampleRate(env: SentryEnv, environment: string): number {
  return env.SENTRY_TRACES_SAMPLE_RATE ?? (environment === 'production' ? 0.1 : 1);
}

/**
 * What may leave for Sentry: sensitive keys (authorization, cookie, password, token, ...) and
 * credentials inside text replaced at any depth, no cookies, and of the user only the id.
 */
export function scrubEvent<T extends Event | Breadcrumb>(event: T, scrubber: Scrubber): T {
  const out = scrubber.value(event, 16) as T & Event;
  if (out.request) delete out.request.cookies;
  if (out.user) out.user = out.user.id === undefined ? undefined : { id: out.user.id };
  return out;
}

/**
 * The browser SDK's settings, decided by the web server at start-up from its environment (the image
 * is built once and promoted: nothing of this is baked in at build time) and given to each page.
 */
export interface BrowserSentryConfig {
  dsn: string;
  release: string;
  environment: string;
  sampleRate: number;
  tracesSampleRate: number;
}

/** Where the web server publishes the browser's settings for its pages (a process-wide global). */
export const BROWSER_SENTRY_CONFIG = Symbol.for('contextai.sentry.browser-config');

/** The browser's settings, or undefined when Sentry is off (no DSN). */
export function browserSentryConfig(
  env: SentryEnv,
  app: { release: string; environment: string },
): BrowserSentryConfig | undefined {
  if (!sentryEnabled(env)) return undefined;
  return {
    dsn: env.SENTRY_DSN!,
    release: app.release,
    environment: env.SENTRY_ENVIRONMENT ?? app.environment,
    sampleRate: env.SENTRY_SAMPLE_RATE,
    tracesSampleRate: sentryTracesSampleRate(env, app.environment),
  };
}

/** Options the browser SDK shares with the server's (types only: @sentry/node is never loaded here). */
export type BrowserSentryOptions = Pick<
  NodeOptions,
  keyof BrowserSentryConfig | 'sendDefaultPii' | 'beforeSend' | 'beforeSendTransaction' | 'beforeBreadcrumb'
>;

/** The browser SDK's options: no default PII, and every event, transaction and breadcrumb scrubbed. */
export function browserSentryOptions(config: BrowserSentryConfig, scrubber: Scrubber): BrowserSentryOptions {
  return {
    ...config,
    sendDefaultPii: false,
    beforeSend: (event) => scrubEvent(event, scrubber),
    beforeSendTransaction: (event) => scrubEvent(event, scrubber),
    beforeBreadcrumb: (breadcrumb) => scrubEvent(breadcrumb, scrubber),
  };
}
