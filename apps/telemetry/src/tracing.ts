import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { close as closeSentry } from '@sentry/node';
import type { TelemetryEnv } from './env';
import { SERVER_SPAN, type RouteOf } from './http-logging';
import { adoptTraceparent, sentryOptions, withResource, type SentrySetup } from './sentry';
import { sentryEnabled } from './sentry-common';

const SENTRY_CLOSE_MS = 3000;

// OpenTelemetry tracing, exported over OTLP/HTTP (protobuf) to OTEL_EXPORTER_OTLP_ENDPOINT with
// OTEL_EXPORTER_OTLP_HEADERS: the one exporter New Relic, Datadog (agent OTLP intake), Grafana Tempo
// and any collector accept (docs/OBSERVABILITY.md). Without an endpoint, nothing is set up at all.
//
// With a Sentry DSN (options.sentry), Sentry owns the OpenTelemetry setup instead (sentry.ts): the
// same instrumentations, and the OTLP exporter as an extra span processor, so every span is made
// once and exported to both; Sentry's sampler (SENTRY_TRACES_SAMPLE_RATE) decides for both.
//
// startTracing must run before the instrumented modules (http, express, pg, ioredis, ...) are
// loaded: the instrumentations patch them as they are required.

export type TracingEnv = Pick<
  TelemetryEnv,
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
  | 'OTEL_BSP_SCHEDULE_DELAY'
>;

export interface TracingOptions {
  serviceName: string;
  /** The deployed version (service.version). */
  serviceVersion: string;
  /** deployment.environment */
  environment: string;
  env: TracingEnv;
  /** The app's own instrumentations, besides incoming/outgoing HTTP and fetch. */
  instrumentations?: Instrumentation[];
  /**
   * Who makes the HTTP server span: OpenTelemetry's HTTP instrumentation (default), or the app's
   * own first middleware (`serverSpanMiddleware`, server-span.ts), which costs far less per request.
   */
  serverSpans?: 'instrumentation' | 'middleware';
  /** Incoming requests on these local ports are not traced (the metrics listener). */
  untracedPorts?: number[];
  /** Names the HTTP server span `<method> <route template>` (and sets http.route) when known. */
  routeOf?: RouteOf;
  /** Where OpenTelemetry's own warnings go (e.g. an export that failed). */
  logger: Logger;
  /** Errors and traces to Sentry too, when its DSN is set. */
  sentry?: SentrySetup;
}

export interface Tracing {
  enabled: boolean;
  /** Sentry owns the OpenTelemetry setup and receives errors. */
  sentry: boolean;
  /** Exports what is buffered and stops; call it last during shutdown. */
  shutdown(): Promise<void>;
}

/** Tracing is on when an OTLP endpoint is configured. */
export function tracingEnabled(env: TracingEnv): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * The sampler the environment asks for (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG). Default:
 * in production, parent-based with a 10% ratio for new traces (so a sampled caller's trace stays
 * whole); elsewhere, every trace.
 */
export function samplerFromEnv(env: TracingEnv, environment: string): Sampler {
  const name =
    env.OTEL_TRACES_SAMPLER ??
    (environment === 'production' ? 'parentbased_traceidratio' : 'parentbased_always_on');
  const defaultRatio = env.OTEL_TRACES_SAMPLER === undefined ? 0.1 : 1;
  const ratio = () => new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG ?? defaultRatio);
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

export function tracingResource(
  options: Pick<TracingOptions, 'serviceName' | 'serviceVersion' | 'environment'>,
): Resource {
  // OTEL_RESOURCE_ATTRIBUTES may add attributes; the app's own identity wins.
  return detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
      'service.instance.id': randomUUID(),
      // The contract's name, and the current semantic conventions' name of the same attribute.
      'deployment.environment': options.environment,
      'deployment.environment.name': options.environment,
    }),
  );
}

export interface TracingPieces {
  resource: Resource;
  sampler: Sampler;
  /** Batches finished spans to the OTLP exporter (which reads OTEL_EXPORTER_OTLP_* itself). */
  spanProcessor: SpanProcessor;
  instrumentations: Instrumentation[];
}

export function tracingPieces(options: TracingOptions): TracingPieces {
  const untraced = new Set(options.untracedPorts ?? []);
  const http = new HttpInstrumentation({
    // Outgoing requests are always traced here; incoming ones unless the app makes their spans.
    disableIncomingRequestInstrumentation: options.serverSpans === 'middleware',
    ignoreIncomingRequestHook: (req) => untraced.has(req.socket.localPort ?? -1),
    // The request log line carries the server span's ids (http-logging.ts).
    requestHook: (span, request) => {
      if (request instanceof IncomingMessage)
        (request as IncomingMessage & { [SERVER_SPAN]?: unknown })[SERVER_SPAN] = span.spanContext();
    },
    applyCustomAttributesOnSpan: (span, request) => {
      const route = request instanceof IncomingMessage ? options.routeOf?.(request) : undefined;
      if (route === undefined || route === 'unmatched') return;
      span.setAttribute('http.route', route);
      span.updateName(`${request.method} ${route}`);
    },
  });
  return {
    resource: tracingResource(options),
    sampler: samplerFromEnv(options.env, options.environment),
    spanProcessor: new BatchSpanProcessor({
      exporter: new OTLPTraceExporter(),
      scheduledDelayMillis: options.env.OTEL_BSP_SCHEDULE_DELAY,
    }),
    instrumentations: [http, new UndiciInstrumentation(), ...(options.instrumentations ?? [])],
  };
}

/** Registers a tracer provider, W3C trace-context propagation and the instrumentations. */
export function startTracing(options: TracingOptions): Tracing {
  const withSentry = options.sentry !== undefined && sentryEnabled(options.sentry.env);
  if (!withSentry && !tracingEnabled(options.env))
    return { enabled: false, sentry: false, shutdown: async () => {} };
  const log = options.logger.child({ component: 'opentelemetry' });
  diag.setLogger(
    {
      error: (message) => log.warn(message),
      warn: (message) => log.warn(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const pieces = tracingPieces(options);
  if (withSentry) return startSentryTracing(options, options.sentry!, pieces, log);
  const provider = new TracerProvider({
    resource: pieces.resource,
    sampler: pieces.sampler,
    spanProcessors: [pieces.spanProcessor],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: pieces.instrumentations,
  });
  return {
    enabled: true,
    sentry: false,
    shutdown: async () => {
      unregister();
      await provider
        .shutdown()
        .catch((error: Error) => log.warn({ err: error }, 'span export at shutdown failed'));
    },
  };
}

function startSentryTracing(
  options: TracingOptions,
  sentry: SentrySetup,
  pieces: TracingPieces,
  log: Logger,
): Tracing {
  const otlp = tracingEnabled(options.env) ? [withResource(pieces.spanProcessor, pieces.resource)] : [];
  sentry.init(
    sentryOptions(sentry, {
      release: options.serviceVersion,
      environment: options.environment,
      instrumentations: pieces.instrumentations,
      spanProcessors: otlp,
      quietUrls: [
        options.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        options.env.OTEL_EXPORTER_OTLP_ENDPOINT,
      ].filter((url): url is string => url !== undefined),
    }),
  );
  adoptTraceparent();
  return {
    enabled: true,
    sentry: true,
    shutdown: async () => {
      // Sentry's close sends what it holds and ends its tracer provider (our processor included).
      await closeSentry(SENTRY_CLOSE_MS).catch((error: Error) =>
        log.warn({ err: error }, 'sending to Sentry at shutdown failed'),
      );
      for (const processor of otlp)
        await processor
          .shutdown()
          .catch((error: Error) => log.warn({ err: error }, 'span export at shutdown failed'));
    },
  };
}
