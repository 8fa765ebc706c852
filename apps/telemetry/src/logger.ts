// pino-roll ships no types: its declaration is a local file the API build must see too.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./pino-roll.d.ts" />
import { context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';
import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import roll from 'pino-roll';
import { pinoLevel, type TelemetryEnv } from './env';
import { Scrubber } from './scrub';

// One JSON line per event: level (name), time (ISO 8601), msg, service, env, version; inside a request
// also req.id (http-logging.ts) and trace_id/span_id of the active span (when tracing is on).

export type { Logger };

export interface AppLoggerOptions {
  /** `service` field, e.g. contextai-api. */
  service: string;
  /** `env` field: the deployment environment. */
  environment: string;
  /** `version` field: the deployed version. */
  version: string;
  env: Pick<
    TelemetryEnv,
    'LOG_LEVEL' | 'LOG_FILE' | 'LOG_FILE_SIZE' | 'LOG_FILE_FREQUENCY' | 'LOG_FILE_COUNT'
  >;
  /** Values masked wherever they appear (connection URLs, exporter headers). */
  secrets?: (string | undefined)[];
  /** Where lines go instead of standard output / LOG_FILE (tests). */
  destination?: DestinationStream;
}

/** trace_id and span_id of the active span, or nothing outside a (sampled or not) span. */
export function traceFields(spanContext?: SpanContext): { trace_id?: string; span_id?: string } {
  const active = spanContext ?? trace.getSpan(context.active())?.spanContext();
  if (!active || !isSpanContextValid(active)) return {};
  return { trace_id: active.traceId, span_id: active.spanId };
}

/** pino options shared by every logger of the app (also the base of the HTTP request logger). */
export function loggerOptions(options: AppLoggerOptions, scrubber: Scrubber): LoggerOptions {
  return {
    level: pinoLevel(options.env.LOG_LEVEL),
    base: { service: options.service, env: options.environment, version: options.version },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubber.value(object) as Record<string, unknown>,
      bindings: (bindings) => scrubber.value(bindings) as Record<string, unknown>,
    },
    mixin: () => traceFields(),
    serializers: {
      err: (error: Error) => scrubbedError(error, scrubber),
    },
    hooks: {
      logMethod(args, method) {
        const [first] = args as unknown[];
        // logger.error(err) takes its message from the error: scrub it like any text.
        if (first instanceof Error && args.length === 1) {
          return method.apply(this, [first, scrubber.text(first.message)] as never);
        }
        return method.apply(this, args.map((a) => (typeof a === 'string' ? scrubber.text(a) : a)) as never);
      },
    },
  };
}

function scrubbedError(error: Error, scrubber: Scrubber): unknown {
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  for (const key of Object.keys(serialized)) serialized[key] = scrubber.value(serialized[key]);
  return serialized;
}

/**
 * The app's logger: standard output, or LOG_FILE rotated by size and time (pino-roll keeps
 * LOG_FILE_COUNT files, the active one included, and removes older ones, those of earlier runs too).
 */
export async function createLogger(options: AppLoggerOptions): Promise<Logger> {
  const scrubber = new Scrubber(options.secrets);
  return pino(loggerOptions(options, scrubber), options.destination ?? (await logDestination(options.env)));
}

async function logDestination(env: AppLoggerOptions['env']): Promise<DestinationStream> {
  // Asynchronous writes: under load, lines that arrive while a write is in flight go out together in
  // the next one (one system call for many lines), and an idle app still writes each line at once
  // (no minimum length). pino flushes what is pending when the process exits, a crash included.
  if (!env.LOG_FILE) return pino.destination({ dest: 1, sync: false });
  const frequency = /^\d+$/.test(env.LOG_FILE_FREQUENCY)
    ? Number(env.LOG_FILE_FREQUENCY)
    : env.LOG_FILE_FREQUENCY;
  const stream = await roll({
    file: env.LOG_FILE,
    size: env.LOG_FILE_SIZE,
    frequency,
    mkdir: true,
    limit: { count: env.LOG_FILE_COUNT, removeOtherLogFiles: true },
    // Written synchronously like standard output: nothing is lost when the process exits.
    ...({ sync: true } as object),
  });
  // A full disk or a removed directory must not crash the app; say so on standard error.
  stream.on('error', (error) => process.stderr.write(`log file: ${error.message}\n`));
  return stream;
}
