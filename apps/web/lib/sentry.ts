// The browser's Sentry settings travel with each page: the web server decides them at start-up from
// its environment (server/telemetry.mjs publishes them), the root layout writes them into the page
// as a JSON data block, and instrumentation-client.ts reads them before the app starts. Nothing is
// baked in at build time: the same image runs in staging and production.
import { BROWSER_SENTRY_CONFIG, type BrowserSentryConfig } from '@contextai/telemetry/browser';

export const SENTRY_CONFIG_ELEMENT_ID = 'sentry-config';
/** Where the browser SDK posts its events (its `tunnel`): app/monitoring/route.ts, lib/sentry-tunnel.ts. */
export const SENTRY_TUNNEL_PATH = '/monitoring';

/** Server side: the settings published at start-up, or undefined (Sentry off, or not started by start.mjs). */
export function publishedSentryConfig(): BrowserSentryConfig | undefined {
  return (globalThis as Record<symbol, BrowserSentryConfig | undefined>)[BROWSER_SENTRY_CONFIG];
}

/** The JSON of a data block: `<` escaped so that no value can close the script element. */
export function sentryConfigJson(config: BrowserSentryConfig): string {
  return JSON.stringify(config).replace(/</g, '\\u003c');
}

/** Browser side: the settings in the page, or undefined when the page carries none. */
export function pageSentryConfig(): BrowserSentryConfig | undefined {
  const text = document.getElementById(SENTRY_CONFIG_ELEMENT_ID)?.textContent;
  return text ? (JSON.parse(text) as BrowserSentryConfig) : undefined;
}
