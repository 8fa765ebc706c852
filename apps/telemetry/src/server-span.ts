import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import { SERVER_SPAN, type RouteOf } from './http-logging';

// The HTTP server span of an Express app, made by its first middleware instead of OpenTelemetry's
// HTTP instrumentation. That instrumentation wraps every request of the server, sampled or not:
// it binds the request and the response emitters to the context, builds some twenty attributes and
// wraps `res.end`. On the API's sub-millisecond reads that alone took about a quarter of the
// throughput (docs/PERFORMANCE.md). Here an unsampled request costs the traceparent parse, one
// non-recording span and one `close` listener; a sampled one gets the semantic-convention
// attributes a backend groups by (method, route, status, path, peer).

const TRACER = '@contextai/telemetry/http-server';

type Traced = IncomingMessage & { [SERVER_SPAN]?: unknown };

export type ServerSpanMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Express middleware (put it first): continues the caller's trace from `traceparent` (or the
 * propagator's header), makes the SERVER span `<method> <route template>` and runs the rest of the
 * request in its context, so the handler, pg and Redis spans are its children and the request's
 * log lines carry its ids. Without tracing, the global API is a no-op and this costs nothing.
 */
export function serverSpanMiddleware(routeOf: RouteOf): ServerSpanMiddleware {
  const tracer = trace.getTracer(TRACER);
  return (req, res, next) => {
    const method = req.method ?? 'GET';
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    const spanContext = span.spanContext();
    (req as Traced)[SERVER_SPAN] = spanContext;
    if (span.isRecording()) span.setAttributes(requestAttributes(req, method));
    res.once('close', () => {
      if (span.isRecording()) {
        const route = routeOf(req);
        if (route !== 'unmatched') {
          span.setAttribute('http.route', route);
          span.updateName(`${method} ${route}`);
        }
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) {
          span.setAttribute('error.type', String(res.statusCode));
          span.setStatus({ code: SpanStatusCode.ERROR });
        } else if (!res.writableFinished) {
          // The client went away before the answer was sent.
          span.setAttribute('error.type', 'aborted');
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/** The stable HTTP semantic conventions of a server request (no query string: it may hold tokens). */
function requestAttributes(req: IncomingMessage, method: string): Attributes {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const host = req.headers.host ?? '';
  const port = req.socket.localPort;
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': query === -1 ? url : url.slice(0, query),
    'url.scheme': 'encrypted' in req.socket ? 'https' : 'http',
    'server.address': host.replace(/:\d+$/, ''),
    'network.protocol.version': req.httpVersion,
    'network.peer.address': req.socket.remoteAddress,
  };
  if (port !== undefined) attributes['server.port'] = port;
  const agent = req.headers['user-agent'];
  if (agent !== undefined) attributes['user_agent.original'] = agent;
  return attributes;
}
