import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RouteOf } from './http-logging';

export { Counter, Gauge, Histogram };
export type { Registry };

// The metrics both apps serve (TEAM contract): prom-client's defaults (process_*, nodejs_*),
// http_requests_total and http_request_duration_seconds by {method, route, status}. `route` is the
// route template, never the raw path, and `method` is one of a fixed set: labels stay bounded.

export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The status recorded when the client went away before the response ended (nginx's convention). */
export const CLIENT_CLOSED = '499';

// prom-client names three gauges *_total, which promtool (rightly) refuses; the same counts stay
// available per type in nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

export interface HttpMetrics {
  /** Records the request when its response ends (or the connection closes first). */
  observe(req: IncomingMessage, res: ServerResponse): void;
}

export function createHttpMetrics(registry: Registry, routeOf: RouteOf): HttpMetrics {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by method, route template and status code.',
    labelNames,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  return {
    observe(req, res) {
      const started = process.hrtime.bigint();
      let done = false;
      const record = () => {
        if (done) return;
        done = true;
        const labels = {
          method: METHODS.has(req.method ?? '') ? req.method! : 'other',
          route: routeOf(req),
          status: res.writableFinished ? String(res.statusCode) : CLIENT_CLOSED,
        };
        requests.inc(labels);
        duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      };
      res.once('finish', record);
      res.once('close', record);
    },
  };
}

/**
 * Keeps a label bounded: the first `max` distinct values are kept, later new values are counted
 * as `other` (a sector is user input; a million sectors must not make a million series).
 */
export function boundedLabel(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The metrics listener: `GET /metrics` in Prometheus text format on its own port, separate from the
 * app's port, so the edge never routes it. Anything else: 404 (405 for another method on /metrics).
 */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => void serveMetrics(registry, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serveMetrics(registry: Registry, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics')
    return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return void res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
      .end('Method Not Allowed\n');
  try {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    res
      .writeHead(500, { 'content-type': 'text/plain' })
      .end(`metrics collection failed: ${(error as Error).message}\n`);
  }
}
