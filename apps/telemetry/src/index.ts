// @contextai/telemetry: what the API and the web server share — structured logs (pino), request
// ids, Prometheus metrics (prom-client) and OpenTelemetry tracing. See docs/OBSERVABILITY.md.
export * from './env';
export * from './http-logging';
export * from './logger';
export * from './metrics';
export * from './request-id';
export * from './scrub';
export * from './sentry';
export * from './sentry-common';
export * from './server-span';
export * from './tracing';
