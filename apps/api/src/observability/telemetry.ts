import type { NextFunction, Request, Response } from 'express';
import * as Sentry from '@sentry/nestjs';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  createHttpLogger,
  createHttpMetrics,
  createLogger,
  createRegistry,
  deploymentEnvironment,
  Scrubber,
  startMetricsServer,
  serverSpanMiddleware,
  startTracing,
  type HttpLogger,
  type Logger,
  type MetricsServer,
  type Registry,
  type Tracing,
} from '@contextai/telemetry';
import type { AppConfig } from '../config/env.schema';
import { versionInfo } from '../version/version';

export const SERVICE_NAME = 'contextai-api';

/** Everything the API's telemetry holds; made in main.ts before Nest, pg and ioredis are loaded. */
export interface ApiTelemetry {
  logger: Logger;
  registry: Registry;
  tracing: Tracing;
  /** First middleware of every request: server span, request id, request log line, HTTP metrics. */
  requestMiddleware(req: Request, res: Response, next: NextFunction): void;
  /** Starts the metrics listener when METRICS_PORT is set. */
  startMetrics(): Promise<void>;
  /** Last step of shutdown: closes the metrics listener, exports the last spans. */
  shutdown(): Promise<void>;
}

/**
 * The template of the route whose handler ran (`/api/sectors/:sector/knowledge-sources`), or
 * `unmatched`. Nest mounts a handler for one method (@Get, @Post, ...) and middleware for every
 * method (`{/*splat}`), which is the route Express reports for a path no handler matched.
 */
export function expressRoute(req: Request): string {
  const route = req.route as { path?: unknown; methods?: Record<string, boolean> } | undefined;
  const handler = typeof route?.path === 'string' && Object.keys(route.methods ?? {}).length === 1;
  return handler ? `${req.baseUrl ?? ''}${route!.path as string}` : 'unmatched';
}

export async function createApiTelemetry(config: AppConfig): Promise<ApiTelemetry> {
  const version = versionInfo(config).version;
  const environment = deploymentEnvironment(config);
  const secrets = [
    ...Scrubber.secretsOfUrl(config.DATABASE_URL),
    ...Scrubber.secretsOfUrl(config.REDIS_URL),
    ...(config.OTEL_EXPORTER_OTLP_HEADERS ?? '')
      .split(',')
      .map((pair) => pair.split('=').slice(1).join('=').trim()),
  ];
  const logger = await createLogger({ service: SERVICE_NAME, environment, version, env: config, secrets });
  const route = (req: unknown) => expressRoute(req as Request);
  const tracing = startTracing({
    serviceName: SERVICE_NAME,
    serviceVersion: version,
    environment,
    env: config,
    logger,
    // The server span comes from requestMiddleware (cheaper than the HTTP instrumentation's);
    // the metrics listener is no Express app, so it is never traced.
    serverSpans: 'middleware',
    sentry: { env: config, init: Sentry.init, scrubber: new Scrubber(secrets) },
    instrumentations: [
      // The Nest handler span is the handler. No Express instrumentation: its route-handler span
      // would repeat the Nest one, and it wraps every layer of every request, sampled or not (its
      // cost: docs/PERFORMANCE.md). The server span gets the route template when the request ends.
      new NestInstrumentation(),
      // Statement text only, never the parameters; no spans for pool activity outside a request.
      // Each statement is also a Sentry breadcrumb of the request (text only).
      new PgInstrumentation({
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        requestHook: (_span, { query }) =>
          Sentry.addBreadcrumb({ category: 'query', type: 'query', message: query.text }),
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  const registry = createRegistry();
  const httpLogger: HttpLogger = createHttpLogger(logger, route);
  const httpMetrics = createHttpMetrics(registry, route);
  const serverSpan = tracing.enabled ? serverSpanMiddleware(route) : undefined;
  const observed = (req: Request, res: Response, next: NextFunction) => {
    httpMetrics.observe(req, res);
    httpLogger(req, res, next);
  };
  let metricsServer: MetricsServer | undefined;

  return {
    logger,
    registry,
    tracing,
    requestMiddleware(req, res, next) {
      if (serverSpan) serverSpan(req, res, () => observed(req, res, next));
      else observed(req, res, next);
    },
    async startMetrics() {
      if (config.METRICS_PORT === undefined) return;
      metricsServer = await startMetricsServer(registry, config.METRICS_HOST, config.METRICS_PORT);
      logger.info(`metrics on http://${config.METRICS_HOST}:${metricsServer.port}/metrics`);
    },
    async shutdown() {
      await metricsServer?.close();
      await tracing.shutdown();
    },
  };
}
