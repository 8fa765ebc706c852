import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpanContext } from '@opentelemetry/api';
import { pinoHttp, type HttpLogger } from 'pino-http';
import type { Logger } from 'pino';

export type { HttpLogger };
import { traceFields } from './logger';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id';
import { Scrubber } from './scrub';

/** The route template of a request (`/api/sectors/:sector/knowledge-sources`), or `unmatched`. */
export type RouteOf = (req: IncomingMessage) => string;

/** Where the server span's context is left on the request (tracing.ts, or server-span.ts in the API). */
export const SERVER_SPAN = Symbol.for('contextai.telemetry.server-span');
type WithServerSpan = IncomingMessage & { [SERVER_SPAN]?: SpanContext; id?: unknown };

const urls = new Scrubber();

/**
 * pino-http for one app: adopts X-Request-ID (or makes one), echoes it in the response and
 * passes it on to the app's own code as the request header; binds `req` {id, method, url,
 * remoteAddress} to every line logged through `req.log`; ends each request with one line with
 * the route template, `res.statusCode`, `responseTime` (ms), the server span's ids and, for a
 * 5xx, `err` {type, message, stack}.
 */
export function createHttpLogger(logger: Logger, routeOf: RouteOf): HttpLogger {
  const completion = (req: IncomingMessage, _res: ServerResponse, value: object) => ({
    ...value,
    route: routeOf(req),
    ...traceFields((req as WithServerSpan)[SERVER_SPAN]),
  });
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
      req.headers[REQUEST_ID_HEADER] = id;
      res.setHeader('X-Request-ID', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: urls.text(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessObject: completion,
    customErrorObject: (req, res, _error, value: object) => completion(req, res, value),
  });
}
