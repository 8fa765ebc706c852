import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  getDefaultIntegrationsWithoutPerformance,
  httpIntegration,
  nativeNodeFetchIntegration,
  type NodeOptions,
} from '@sentry/node';
import type { Scrubber } from './scrub';
import { scrubEvent, sentryTracesSampleRate, type SentryEnv } from './sentry-common';

// Sentry (errors and traces) for the API and the web server. When SENTRY_DSN is set, Sentry owns the
// OpenTelemetry setup (tracer provider, context manager, propagator, sampler) and our OTLP exporter
// is one more span processor of it: every span is made once and goes to both (tracing.ts).
// Sentry's own span-making integrations are left out (ours instrument http, fetch, Nest, pg, ...);
// its request isolation, breadcrumbs and error handlers stay.

export interface SentrySetup {
  env: SentryEnv;
  /** The app's SDK init (@sentry/nestjs, @sentry/nextjs): each adds its framework's metadata. */
  init: (options: NodeOptions) => unknown;
  /** Masks secrets in events and breadcrumbs (the logger's scrubber: same keys, shapes, values). */
  scrubber: Scrubber;
}

export interface SentryTracing {
  release: string;
  environment: string;
  /** Outgoing requests to these URL prefixes (the OTLP exporter's) are no breadcrumbs. */
  quietUrls: string[];
  instrumentations: NonNullable<NodeOptions['openTelemetryInstrumentations']>;
  spanProcessors: SpanProcessor[];
}

export function sentryOptions(setup: SentrySetup, tracing: SentryTracing): NodeOptions {
  const { env, scrubber } = setup;
  return {
    dsn: env.SENTRY_DSN,
    release: tracing.release,
    environment: env.SENTRY_ENVIRONMENT ?? tracing.environment,
    sampleRate: env.SENTRY_SAMPLE_RATE,
    tracesSampleRate: sentryTracesSampleRate(env, tracing.environment),
    sendDefaultPii: false,
    // W3C traceparent on outgoing requests too (the API and the collector read it, not sentry-trace).
    propagateTraceparent: true,
    defaultIntegrations: false,
    integrations: [
      ...getDefaultIntegrationsWithoutPerformance().filter(
        (integration) => integration.name !== 'Http' && integration.name !== 'NodeFetch',
      ),
      // Our instrumentations make the spans and send traceparent (through Sentry's propagator).
      httpIntegration({
        spans: false,
        tracePropagation: false,
        ignoreOutgoingRequests: (url) => tracing.quietUrls.some((prefix) => url.startsWith(prefix)),
      }),
      nativeNodeFetchIntegration({ spans: false, tracePropagation: false }),
    ],
    openTelemetryInstrumentations: tracing.instrumentations,
    // The two OpenTelemetry SDK majors (ours, Sentry's) share the span processor interface.
    openTelemetrySpanProcessors: tracing.spanProcessors as NodeOptions['openTelemetrySpanProcessors'],
    beforeSend: (event) => scrubEvent(event, scrubber),
    beforeSendTransaction: (event) => scrubEvent(event, scrubber),
    beforeBreadcrumb: (breadcrumb) => scrubEvent(breadcrumb, scrubber),
  };
}

/**
 * `processor` seeing every span with `resource` (Sentry's provider names itself `node`/`sentry`):
 * the OTLP backend keeps our service.name, service.version and deployment.environment.
 */
export function withResource(processor: SpanProcessor, resource: Resource): SpanProcessor {
  const withOurs = (span: ReadableSpan): ReadableSpan => ({
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  });
  return {
    onStart: (span, context) => processor.onStart(span, context),
    onEnd: (span) => processor.onEnd(withOurs(span)),
    forceFlush: () => processor.forceFlush(),
    shutdown: () => processor.shutdown(),
  };
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Sentry's propagator continues only `sentry-trace` traces; the edge and our apps send W3C
 * `traceparent`. Before a request reaches the server's handlers (and the HTTP instrumentation),
 * a valid traceparent without a sentry-trace is given as the same trace in sentry-trace form, so
 * the request stays in its caller's trace. Call once.
 */
export function adoptTraceparent(): void {
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    const traceparent = request.headers.traceparent;
    if (typeof traceparent !== 'string' || request.headers['sentry-trace'] !== undefined) return;
    const match = TRACEPARENT.exec(traceparent.trim());
    if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return;
    const sampled = (parseInt(match[3]!, 16) & 1) === 1 ? '1' : '0';
    request.headers['sentry-trace'] = `${match[1]}-${match[2]}-${sampled}`;
  });
}
