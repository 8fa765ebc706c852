import { Global, Module } from '@nestjs/common';

/**
 * Where observability plugs in (a later issue): structured logs (pino, replacing Nest's logger in
 * main.ts through `bufferLogs` + `app.useLogger`), Prometheus metrics (`GET /metrics` and an HTTP
 * duration interceptor registered here), OpenTelemetry tracing (its SDK must start before Nest is
 * imported, so it belongs in a preloaded file, e.g. `node --require ./dist/observability/tracing.js`),
 * and Sentry error reporting (an exception filter provided here). Intentionally empty until then.
 */
@Global()
@Module({})
export class ObservabilityModule {}
