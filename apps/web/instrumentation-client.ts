// The browser's Sentry (Next runs this before the app's own code): on only when the page carries
// settings (the server's SENTRY_DSN, lib/sentry.ts), with the same scrubbing as the servers, sending
// through this origin's tunnel (lib/sentry-tunnel.ts: the edge's CSP allows `connect-src 'self'`).
// Uncaught errors and unhandled rejections are reported by the SDK's global handlers; the frames
// are resolved with the source maps uploaded by debug ID (Turbopack's `debugIds`, next.config.mjs).
import * as Sentry from '@sentry/nextjs';
import { browserSentryOptions, Scrubber } from '@contextai/telemetry/browser';
import { pageSentryConfig, SENTRY_CONFIG_ELEMENT_ID, SENTRY_TUNNEL_PATH } from './lib/sentry';

function start(): void {
  const config = pageSentryConfig();
  if (config) Sentry.init({ ...browserSentryOptions(config, new Scrubber()), tunnel: SENTRY_TUNNEL_PATH });
}

// The data block is in <head>; should this script run before the parser reached it, wait for it.
if (document.getElementById(SENTRY_CONFIG_ELEMENT_ID) || document.readyState !== 'loading') start();
else document.addEventListener('DOMContentLoaded', start, { once: true });

export const onRouterTransitionStart = Sentry.captureRouterTransitionStart;
