// @ts-check
// The web server's telemetry, started by start.mjs before Next's server.js is loaded (tracing must
// patch node:http and fetch first). The same @contextai/telemetry as the API: JSON logs (pino) with
// request ids and trace ids, Prometheus metrics on METRICS_PORT, OpenTelemetry over OTLP/HTTP.
//
// Next owns its HTTP server, so requests are observed through node's `http.server.request.start`
// diagnostics channel, which runs before the server's request handler: the request gets its id
// (X-Request-ID adopted or made, echoed, and passed on to the pages as the request header), its log
// line and its metrics. Next's own console output becomes JSON lines of the same logger.
//
// With SENTRY_DSN, @sentry/nextjs is initialised here too (it owns OpenTelemetry, the OTLP exporter
// is one of its span processors: @contextai/telemetry's tracing.ts); Next's errors reach it through
// instrumentation.ts (onRequestError), and the browser's settings are published for the pages
// (app/layout.tsx), from this environment, at run time.
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import * as Sentry from '@sentry/nextjs';
import telemetry from '@contextai/telemetry';

export const SERVICE_NAME = 'contextai-web';

/**
 * @typedef {import('node:http').IncomingMessage} IncomingMessage
 * @typedef {import('node:http').ServerResponse} ServerResponse
 * @typedef {import('@contextai/telemetry').Logger} Logger
 */

/**
 * The route template of a request to the Next server: a page or route handler of the build's
 * routes manifest (`/knowledge-sources`, `/healthz`), `/_next/static/*` for the hashed assets,
 * else `unmatched` — never the raw path.
 * @param {string} appDir the standalone app directory (holding .next/)
 * @returns {(req: IncomingMessage) => string}
 */
export function nextRoutes(appDir) {
  const file = join(appDir, '.next/routes-manifest.json');
  /** @type {{ page: string; regex: string }[]} */
  const routes = [];
  if (existsSync(file)) {
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    for (const route of [...(manifest.staticRoutes ?? []), ...(manifest.dynamicRoutes ?? [])])
      routes.push({ page: route.page, regex: route.regex });
  }
  const matchers = routes.map((route) => ({ page: route.page, regex: new RegExp(route.regex) }));
  return (req) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/_next/static/')) return '/_next/static/*';
    return matchers.find((m) => m.regex.test(path))?.page ?? 'unmatched';
  };
}

/**
 * Routes console.* (Next's own messages and errors) to `logger`, inside a request to its logger
 * (with the request's bindings); an Error argument becomes `err`.
 * @param {Logger} logger
 * @param {() => Logger | undefined} requestLogger
 */
function routeConsole(logger, requestLogger) {
  /** @param {'debug' | 'info' | 'warn' | 'error'} level */
  const write =
    (level) =>
    /** @param {unknown[]} args */
    (...args) => {
      const log = requestLogger() ?? logger;
      const error = args.find((arg) => arg instanceof Error);
      const message = format(...args.filter((arg) => arg !== error));
      if (error) log[level]({ err: error }, message || /** @type {Error} */ (error).message);
      else log[level](message);
    };
  console.debug = write('debug');
  console.log = console.info = write('info');
  console.warn = write('warn');
  console.error = write('error');
}

/**
 * Starts the web server's telemetry. Call before loading Next.
 * @param {string} appDir the directory of server.js and .next/
 * @param {import('./env.mjs').WebEnv} env the validated environment (env.mjs)
 */
export async function startWebTelemetry(appDir, env) {
  const environment = telemetry.deploymentEnvironment({ APP_ENV: env.APP_ENV, NODE_ENV: env.NODE_ENV });
  const version = env.APP_VERSION || 'dev';
  const secrets = (env.OTEL_EXPORTER_OTLP_HEADERS ?? '')
    .split(',')
    .map((pair) => pair.split('=').slice(1).join('=').trim());
  const logger = await telemetry.createLogger({ service: SERVICE_NAME, environment, version, env, secrets });
  const routeOf = nextRoutes(appDir);
  const tracing = telemetry.startTracing({
    serviceName: SERVICE_NAME,
    serviceVersion: version,
    environment,
    env,
    logger,
    untracedPorts: env.METRICS_PORT ? [env.METRICS_PORT] : [],
    routeOf,
    sentry: { env, init: Sentry.init, scrubber: new telemetry.Scrubber(secrets) },
  });
  /** @type {Record<symbol, unknown>} */ (globalThis)[telemetry.BROWSER_SENTRY_CONFIG] =
    telemetry.browserSentryConfig(env, { release: version, environment });
  // Next's own fetch span would only wrap the fetch instrumentation's client span (which also sends
  // traceparent): one client span per call is enough.
  process.env.NEXT_OTEL_FETCH_DISABLED ??= '1';

  const registry = telemetry.createRegistry();
  const httpLogger = telemetry.createHttpLogger(logger, routeOf);
  const httpMetrics = telemetry.createHttpMetrics(registry, routeOf);
  /** @type {AsyncLocalStorage<Logger>} */
  const requestLog = new AsyncLocalStorage();
  subscribe('http.server.request.start', (message) => {
    const { request, response } = /** @type {{ request: IncomingMessage; response: ServerResponse }} */ (
      message
    );
    if (env.METRICS_PORT !== undefined && request.socket.localPort === env.METRICS_PORT) return;
    httpMetrics.observe(request, response);
    httpLogger(request, response);
    // The rest of this request (Next's handler) runs in this context: its console lines get req.id.
    requestLog.enterWith(/** @type {IncomingMessage & { log: Logger }} */ (request).log);
  });
  routeConsole(logger, () => requestLog.getStore());

  const metricsServer =
    env.METRICS_PORT === undefined
      ? undefined
      : await telemetry.startMetricsServer(registry, env.METRICS_HOST, env.METRICS_PORT);
  if (metricsServer) logger.info(`metrics on http://${env.METRICS_HOST}:${metricsServer.port}/metrics`);

  return {
    logger,
    /** Closes the metrics listener and exports the last spans. */
    async shutdown() {
      await metricsServer?.close();
      await tracing.shutdown();
    },
  };
}
