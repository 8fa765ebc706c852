// A local OTLP/HTTP trace receiver: what an OpenTelemetry collector (or New Relic, Datadog's agent,
// Grafana Tempo) is to the apps, for tests. It decodes requests with the official protobuf
// definitions (test/fixtures/otlp-proto, loaded by protobufjs) and is strict where a real receiver
// is: POST to /v1/traces only, Content-Type application/x-protobuf (gzip allowed), a body that
// decodes as ExportTraceServiceRequest with well-formed ids, and the configured headers (as
// OTEL_EXPORTER_OTLP_HEADERS sends them). Anything else is refused with the status a receiver
// answers, and recorded in `rejected` so a test can say why nothing arrived.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const PROTO_DIR = join(import.meta.dirname, 'fixtures/otlp-proto');
export const TRACES_PATH = '/v1/traces';
const MAX_BODY = 4 * 1024 * 1024;

function loadTypes() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  return {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  };
}

export type AttributeValue = string | number | boolean | AttributeValue[] | null;

/** One received span, flattened: ids in hex, attributes as plain values, with its resource and scope. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_INTERNAL, ... */
  kind: string;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
  scope: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
}

export interface FakeOtlp {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Why requests were refused: "<status> <reason>". */
  rejected: string[];
  /** Waits until `predicate` holds for the spans received so far. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  bytesValue?: Uint8Array;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: Uint8Array;
        spanId: Uint8Array;
        parentSpanId?: Uint8Array;
        name: string;
        kind: string;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: KeyValue[];
      }[];
    }[];
  }[];
}

function plain(value: AnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  if (value.bytesValue) return Buffer.from(value.bytesValue).toString('hex');
  return null;
}

const attributes = (list: KeyValue[] = []) => Object.fromEntries(list.map((kv) => [kv.key, plain(kv.value)]));
const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('hex');

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Refusal(413, 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Starts the receiver on 127.0.0.1; `headers` are required on every export (e.g. { 'api-key': 'x' }). */
export async function startFakeOtlp(options: { headers?: Record<string, string> } = {}): Promise<FakeOtlp> {
  const types = loadTypes();
  const spans: ReceivedSpan[] = [];
  const rejected: string[] = [];

  function decode(body: Buffer): ReceivedSpan[] {
    let message: protobuf.Message;
    try {
      message = types.request.decode(body);
    } catch (error) {
      throw new Refusal(400, `not an ExportTraceServiceRequest: ${(error as Error).message}`);
    }
    const request = types.request.toObject(message, {
      longs: String,
      enums: String,
      bytes: Buffer,
    }) as DecodedRequest;
    const out: ReceivedSpan[] = [];
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const received: ReceivedSpan = {
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            attributes: attributes(span.attributes),
            resource,
            scope: scopeSpans.scope?.name ?? '',
            startTimeUnixNano: BigInt(span.startTimeUnixNano),
            endTimeUnixNano: BigInt(span.endTimeUnixNano),
          };
          if (!/^[0-9a-f]{32}$/.test(received.traceId) || /^0+$/.test(received.traceId))
            throw new Refusal(400, `span "${span.name}": trace id must be 16 non-zero bytes`);
          if (!/^[0-9a-f]{16}$/.test(received.spanId) || /^0+$/.test(received.spanId))
            throw new Refusal(400, `span "${span.name}": span id must be 8 non-zero bytes`);
          if (received.parentSpanId !== '' && !/^[0-9a-f]{16}$/.test(received.parentSpanId))
            throw new Refusal(400, `span "${span.name}": parent span id must be empty or 8 bytes`);
          if (!received.name) throw new Refusal(400, 'a span has no name');
          if (received.endTimeUnixNano < received.startTimeUnixNano)
            throw new Refusal(400, `span "${span.name}" ends before it starts`);
          out.push(received);
        }
      }
    }
    return out;
  }

  async function handle(req: IncomingMessage): Promise<Buffer> {
    if (req.url !== TRACES_PATH) throw new Refusal(404, `no such path ${req.url}`);
    if (req.method !== 'POST') throw new Refusal(405, `method ${req.method}`);
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'application/x-protobuf') throw new Refusal(415, `content-type ${type || '(none)'}`);
    for (const [name, value] of Object.entries(options.headers ?? {}))
      if (req.headers[name.toLowerCase()] !== value)
        throw new Refusal(401, `header ${name} missing or wrong`);
    const encoding = req.headers['content-encoding'] ?? 'identity';
    let body = await readBody(req);
    if (encoding === 'gzip') body = gunzipSync(body);
    else if (encoding !== 'identity') throw new Refusal(415, `content-encoding ${encoding}`);
    spans.push(...decode(body));
    return Buffer.from(types.response.encode(types.response.create({})).finish());
  }

  const server: Server = createServer((req, res) => {
    handle(req).then(
      (body) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(body),
      (error: unknown) => {
        const status = error instanceof Refusal ? error.status : 500;
        rejected.push(`${status} ${(error as Error).message}`);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    spans,
    rejected,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > deadline)
          throw new Error(
            `spans not received within ${timeoutMs} ms; have ${spans.map((s) => s.name).join(', ') || 'none'}; rejected: ${rejected.join('; ') || 'none'}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
