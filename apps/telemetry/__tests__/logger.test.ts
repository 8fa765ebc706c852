import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { telemetryEnvSchema } from '../src/env';
import { createLogger } from '../src/logger';

const env = (extra: Record<string, string> = {}) => telemetryEnvSchema.parse(extra);

function memory(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const base = { service: 'svc', environment: 'staging', version: '1.2.3' };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('createLogger', () => {
  it('writes level names, ISO time, msg, service, env and version', async () => {
    const out = memory();
    const logger = await createLogger({ ...base, env: env({ LOG_LEVEL: 'log' }), destination: out.stream });
    logger.info('hello');
    logger.debug('not written at info');
    const [line] = out.lines();
    expect(out.lines()).toHaveLength(1);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'hello',
      service: 'svc',
      env: 'staging',
      version: '1.2.3',
    });
    expect(line!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('adds trace_id and span_id of the active span', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const out = memory();
    const logger = await createLogger({ ...base, env: env(), destination: out.stream });
    const span = new TracerProvider().getTracer('test').startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('serializes errors with type, message and stack, scrubbed', async () => {
    const out = memory();
    const secret = 'postgres://app:pw-canary-123@db/app';
    const logger = await createLogger({ ...base, env: env(), destination: out.stream, secrets: [secret] });
    class DatabaseError extends Error {}
    logger.error(new DatabaseError(`cannot reach ${secret}`));
    logger.error(
      { err: new Error('Bearer abcdefgh rejected'), headers: { cookie: 'id=1' } },
      'call failed for %s',
      secret,
    );
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('pw-canary-123');
    expect(text).not.toContain('abcdefgh');
    expect(text).not.toContain('id=1');
    const [first, second] = out.lines() as {
      err: { type: string; message: string; stack: string };
      msg: string;
    }[];
    expect(first!.err.type).toBe('DatabaseError');
    expect(first!.err.stack).toContain('logger.test.ts');
    expect(first!.msg).toBe('cannot reach [Redacted]');
    expect(second!.msg).toBe('call failed for [Redacted]');
  });

  it('standard output (written asynchronously): an uncaught exception right after a burst loses no line', () => {
    // A child process: 5,000 lines in one burst (most still pending when the error is thrown), then
    // an uncaught exception. Every line must reach the pipe before the process is gone.
    const script = [
      `import { createLogger } from ${JSON.stringify(resolve(__dirname, '../src/logger.ts'))};`,
      `const logger = await createLogger({ service: 'svc', environment: 'staging', version: '1', env: { LOG_LEVEL: 'info', LOG_FILE_SIZE: '10m', LOG_FILE_FREQUENCY: 'daily', LOG_FILE_COUNT: 5 } });`,
      'for (let i = 0; i < 5000; i += 1) logger.info({ i }, "line");',
      'throw new Error("boom");',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'logger-exit-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'burst.mts'), script);
    const child = spawnSync(resolve(__dirname, '../../../node_modules/.bin/tsx'), [join(dir, 'burst.mts')], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('boom');
    const numbers = child.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { i: number }).i);
    expect(numbers).toEqual([...Array(5000).keys()]);
  });

  it('LOG_FILE: rotates by size and keeps LOG_FILE_COUNT files, removing older ones (earlier runs too)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.1.log'), 'from an earlier run\n');
    const logger = await createLogger({
      ...base,
      env: env({ LOG_FILE: join(dir, 'app.log'), LOG_FILE_SIZE: '1k', LOG_FILE_COUNT: '3' }),
    });
    for (let i = 0; i < 60; i++) {
      logger.info({ i, pad: 'x'.repeat(100) }, 'line');
      await sleep(2); // let each rotation (flush, reopen, cleanup) run
    }
    await sleep(200);
    const files = readdirSync(dir).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    expect(files.length).toBe(3); // 2 rotated + the active one
    expect(existsSync(join(dir, 'app.1.log'))).toBe(false);
    const lines = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i).at(-1)).toBe(59);
    for (const file of files.slice(0, -1))
      expect(readFileSync(join(dir, file)).length).toBeGreaterThanOrEqual(1024);
  });

  it('LOG_FILE: rotates by time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logs-'));
    dirs.push(dir);
    const logger = await createLogger({
      ...base,
      env: env({ LOG_FILE: join(dir, 'app.log'), LOG_FILE_FREQUENCY: '1000' }),
    });
    logger.info('first period');
    await sleep(1_300); // at least one period boundary
    logger.info('second period');
    const holding = (text: string) =>
      readdirSync(dir).filter((f) => readFileSync(join(dir, f), 'utf8').includes(text));
    expect(holding('first period')).toHaveLength(1);
    expect(holding('second period')).toHaveLength(1);
    expect(holding('second period')).not.toEqual(holding('first period'));
  });
});
