// Tracing pieces, and the real OTLP/protobuf exporter against the local receiver (test/fake-otlp.ts).
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { SamplingDecision, type Sampler } from '@opentelemetry/sdk-trace';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOtlp, TRACES_PATH, type FakeOtlp } from '../../../test/fake-otlp';
import { telemetryEnvSchema } from '../src/env';
import { createLogger } from '../src/logger';
import { samplerFromEnv, startTracing, tracingEnabled, type Tracing } from '../src/tracing';

const env = (extra: Record<string, string> = {}) => telemetryEnvSchema.parse(extra);
/** The share of 2000 random new traces (no parent) that `sampler` keeps. */
const sampledShare = (sampler: Sampler) => {
  let sampled = 0;
  for (let i = 0; i < 2000; i++) {
    const traceId = randomBytes(16).toString('hex');
    const { decision } = sampler.shouldSample(ROOT_CONTEXT, traceId, 'x', SpanKind.SERVER, {}, []);
    if (decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
  }
  return sampled / 2000;
};

describe('samplerFromEnv', () => {
  it('defaults to a parent-based 10% ratio in production and to every trace elsewhere', () => {
    expect(samplerFromEnv(env(), 'production').toString()).toContain(
      'ParentBased{root=TraceIdRatioBased{0.1}',
    );
    expect(sampledShare(samplerFromEnv(env(), 'production'))).toBeGreaterThan(0.06);
    expect(sampledShare(samplerFromEnv(env(), 'production'))).toBeLessThan(0.14);
    expect(samplerFromEnv(env(), 'staging').toString()).toContain('ParentBased{root=AlwaysOnSampler');
    expect(sampledShare(samplerFromEnv(env(), 'staging'))).toBe(1);
  });

  it('follows OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG', () => {
    const half = sampledShare(
      samplerFromEnv(env({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }), 'x'),
    );
    expect(half).toBeGreaterThan(0.4);
    expect(half).toBeLessThan(0.6);
    expect(sampledShare(samplerFromEnv(env({ OTEL_TRACES_SAMPLER: 'always_off' }), 'staging'))).toBe(0);
    // Without an argument a ratio sampler takes the specification's default, 1.
    expect(
      sampledShare(samplerFromEnv(env({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' }), 'production')),
    ).toBe(1);
  });

  it('is off without an endpoint', () => {
    expect(tracingEnabled(env())).toBe(false);
    expect(tracingEnabled(env({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }))).toBe(true);
  });
});

describe('the OTLP exporter and the local receiver', () => {
  let otlp: FakeOtlp;
  let tracing: Tracing;
  let warnings = '';

  beforeAll(async () => {
    otlp = await startFakeOtlp({ headers: { 'api-key': 'key-123' } });
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'api-key=key-123';
    const logger = await createLogger({
      service: 'svc',
      environment: 'staging',
      version: '1',
      env: env(),
      destination: new Writable({
        write: (chunk: Buffer, _e, done) => ((warnings += chunk.toString()), done()),
      }),
    });
    tracing = startTracing({
      serviceName: 'contextai-test',
      serviceVersion: '9.9.9',
      environment: 'staging',
      env: env({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '50' }),
      logger,
    });
  });

  afterAll(async () => {
    await tracing.shutdown();
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    await otlp.close();
  });

  it('delivers spans as protobuf with the resource, parent links intact', async () => {
    const tracer = trace.getTracer('test');
    tracer.startActiveSpan('parent', (parent) => {
      tracer.startSpan('child').end();
      parent.end();
    });
    const spans = await otlp.waitFor((all) => all.length >= 2);
    const parent = spans.find((s) => s.name === 'parent')!;
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(parent.resource).toMatchObject({
      'service.name': 'contextai-test',
      'service.version': '9.9.9',
      'deployment.environment': 'staging',
      'deployment.environment.name': 'staging',
    });
    expect(otlp.rejected).toEqual([]);
    expect(warnings).toBe(''); // no export failed
  });

  it('the receiver refuses what a collector refuses', async () => {
    const post = (
      path: string,
      type: string,
      body: string | Uint8Array,
      headers: Record<string, string> = { 'api-key': 'key-123' },
    ) => fetch(`${otlp.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    expect((await post('/v1/metrics', 'application/x-protobuf', new Uint8Array())).status).toBe(404);
    expect((await fetch(`${otlp.url}${TRACES_PATH}`)).status).toBe(405);
    expect((await post(TRACES_PATH, 'application/json', '{"resourceSpans":[]}')).status).toBe(415);
    expect(
      (await post(TRACES_PATH, 'application/x-protobuf', new Uint8Array([0x0a, 0xff, 0x01]))).status,
    ).toBe(400);
    expect((await post(TRACES_PATH, 'application/x-protobuf', new Uint8Array(), {})).status).toBe(401);
    // A span with an 8-byte trace id is not a valid span.
    const bad = Buffer.from('0a0e120c0a0a0a0801020304050607080a', 'hex');
    expect((await post(TRACES_PATH, 'application/x-protobuf', bad)).status).toBe(400);
    expect(otlp.rejected.map((r) => r.split(' ')[0])).toEqual(['404', '405', '415', '400', '401', '400']);
  });
});
