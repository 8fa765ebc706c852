// The HTTP server span made by the app's first middleware, on a real Express server.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  AlwaysOnSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import express, { type Request } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SERVER_SPAN } from '../src/http-logging';
import { serverSpanMiddleware } from '../src/server-span';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
let server: Server;
let base = '';
/** What the handler saw: the active span's ids and what the middleware left on the request. */
let seen: { active?: string; onRequest?: string } = {};

const routeOf = (req: Request) =>
  typeof req.route?.path === 'string' ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const app = express();
  app.use(serverSpanMiddleware((req) => routeOf(req as Request)));
  app.get('/items/:id', async (req, res) => {
    await new Promise((ok) => setTimeout(ok, 5)); // the context survives an await
    const child = trace.getTracer('test').startSpan('work');
    child.end();
    seen = {
      active: trace.getActiveSpan()?.spanContext().spanId,
      onRequest: (req as Request & { [SERVER_SPAN]?: { spanId: string } })[SERVER_SPAN]?.spanId,
    };
    res.status(req.params.id === 'boom' ? 500 : 200).json({ id: req.params.id });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

beforeEach(() => {
  exporter.reset();
  seen = {};
});

/** Waits for the server span (it ends when the response closes, just after the client has it). */
async function serverSpan() {
  for (let i = 0; i < 100; i++) {
    const span = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
    if (span) return span;
    await new Promise((ok) => setTimeout(ok, 10));
  }
  throw new Error(
    `no server span among ${exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

describe('serverSpanMiddleware', () => {
  it('makes the SERVER span of the route template, parent of the handler spans, with the request attributes', async () => {
    const response = await fetch(`${base}/items/42?token=secret-canary`, {
      headers: { 'user-agent': 'probe/1' },
    });
    expect(response.status).toBe(200);
    const span = await serverSpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.path': '/items/42',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'user_agent.original': 'probe/1',
      'network.peer.address': '127.0.0.1',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(JSON.stringify(span.attributes)).not.toContain('secret-canary');
    // The handler ran in the span's context, and the request carries its ids for the log line.
    expect(seen.active).toBe(span.spanContext().spanId);
    expect(seen.onRequest).toBe(span.spanContext().spanId);
    const work = exporter.getFinishedSpans().find((s) => s.name === 'work')!;
    expect(work.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
    expect(work.spanContext().traceId).toBe(span.spanContext().traceId);
  });

  it("continues the caller's trace from traceparent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${base}/items/1`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const span = await serverSpan();
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });

  it("records nothing for a caller's unsampled trace, yet keeps its trace id for the logs", async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    await fetch(`${base}/items/2`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` } });
    await new Promise((ok) => setTimeout(ok, 50));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen.active).toBeDefined();
    expect(seen.onRequest).toBe(seen.active);
  });

  it('marks a 5xx answer as an error, and names an unmatched path by its method only', async () => {
    expect((await fetch(`${base}/items/boom`)).status).toBe(500);
    const failed = await serverSpan();
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('500');
    exporter.reset();
    expect((await fetch(`${base}/nowhere/123`)).status).toBe(404);
    const unmatched = await serverSpan();
    expect(unmatched.name).toBe('GET');
    expect(unmatched.attributes['http.route']).toBeUndefined();
    expect(unmatched.attributes['http.response.status_code']).toBe(404);
    expect(unmatched.status.code).toBe(SpanStatusCode.UNSET);
  });
});
