// The browser's Sentry (Next runs this before the app's own code): on only when the page carries
// settings (the server's SENTRY_DSN, lib/sentry.ts), with the same scrubbing as the servers.
// Uncaught errors and unhandled rejections are reported by the SDK's global handlers; the frames
// are resolved with the source maps uploaded by debug ID (Turbopack's `debugIds`, next.config.mjs).
import * as Sentry from '@sentry/nextjs';
import { browserSentryOptions, Scrubber } from '@contextai/telemetry/browser';
import { pageSentryConfig, SENTRY_CONFIG_ELEMENT_ID } from './lib/sentry';

function start(): void {
  const config = pageSentryConfig();
  if (config) Sentry.init(browserSentryOptions(config, new Scrubber()));
}

// The data block is in <head>; should this script run before the parser reached it, wait for it.
if (document.getElementById(SENTRY_CONFIG_ELEMENT_ID) || document.readyState !== 'loading') start();
else document.addEventListener('DOMContentLoaded', start, { once: true });

export const onRouterTransitionStart = Sentry.captureRouterTransitionStart;
