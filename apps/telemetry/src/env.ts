import { z } from 'zod';

// The telemetry part of an app's environment, shared by the API (merged into its env schema, so
// env-validate checks it too) and the web server (validated by start.mjs). The OTEL_* variables
// are the OpenTelemetry specification's own: the exporter reads them itself, they are validated
// here so that a typo fails at start-up instead of silently turning tracing off.

/** pino's levels; `log` and `verbose` (NestJS's names) are accepted for `info` and `trace`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'log', 'verbose'] as const;
export type LogLevelSetting = (typeof LOG_LEVELS)[number];
export type PinoLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export function pinoLevel(level: LogLevelSetting): PinoLevel {
  if (level === 'log') return 'info';
  if (level === 'verbose') return 'trace';
  return level;
}

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

const port = z.coerce.number().int().min(1).max(65535);
// A regex rather than z.url(), so that env.schema.json (env-validate) says exactly the same. No
// user:password@ (credentials stay out of URLs). Also the web's API_URL.
export const httpUrl = () => z.string().regex(/^https?:\/\/[^\s/?#@]+(\/\S*)?$/, 'expected an http(s) URL');
// Comma-separated key=value pairs (values URL-encoded), as the OpenTelemetry specification defines.
// https://<public key>@<host>[/<path>]/<project id> (Sentry's DSN; the secret key part is obsolete).
const SENTRY_DSN = /^https?:\/\/[0-9A-Za-z]+(:[0-9A-Za-z]+)?@[^\s/?#@]+(\/[^\s?#]*)?\/\d+$/;
const KEY_VALUE_LIST = /^\s*[^\s=,]+\s*=[^,]*(,\s*[^\s=,]+\s*=[^,]*)*$/;

export const telemetryEnvShape = {
  APP_ENV: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lowercase name such as staging or production')
    .optional()
    .describe(
      'Deployment environment (staging, production) in logs (`env`) and traces (`deployment.environment`); defaults to NODE_ENV.',
    ),
  LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe('Lowest level written to the log (pino levels; `log` = info, `verbose` = trace).'),
  LOG_FILE: z
    .string()
    .regex(/^[^\0\n]{1,1024}$/, 'expected a file path')
    .optional()
    .describe(
      'Write the JSON log to this file, rotated (pino-roll), instead of standard output. Unset: standard output.',
    ),
  LOG_FILE_SIZE: z
    .string()
    .regex(/^[1-9]\d{0,5}[kmg]$/, 'expected a size such as 512k, 10m or 1g')
    .default('10m')
    .describe('Rotate LOG_FILE when it reaches this size.'),
  LOG_FILE_FREQUENCY: z
    .string()
    .regex(/^(daily|hourly|[1-9]\d{3,9})$/, 'expected daily, hourly or a period in ms (at least 1000)')
    .default('daily')
    .describe('Also rotate LOG_FILE at this period (daily, hourly or milliseconds).'),
  LOG_FILE_COUNT: z.coerce
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(7)
    .describe('Log files kept, the active one included; older ones (also of earlier runs) are removed.'),
  METRICS_PORT: port
    .optional()
    .describe(
      'Port of the Prometheus metrics listener (GET /metrics), never routed by the edge. Unset: no metrics listener.',
    ),
  METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface the metrics listener binds to (loopback: only the host Prometheus scrapes it).'),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl()
    .optional()
    .describe(
      'OTLP/HTTP base URL; traces go to <endpoint>/v1/traces. Unset (and no traces endpoint): tracing is off.',
    ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl()
    .optional()
    .describe('Full OTLP/HTTP traces URL, used as is (overrides the base endpoint for traces).'),
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .regex(KEY_VALUE_LIST, 'expected key=value pairs separated by commas')
    .optional()
    .describe('Headers sent with each export, e.g. api-key=<license key>. Secret.'),
  OTEL_TRACES_SAMPLER: z
    .enum(SAMPLERS)
    .optional()
    .describe(
      'Sampler. Default: parentbased_traceidratio in production (ratio OTEL_TRACES_SAMPLER_ARG, default 0.1), parentbased_always_on elsewhere.',
    ),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('Ratio of the traceidratio samplers (0 to 1).'),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(5000)
    .describe('Milliseconds between two exports of finished spans.'),
  SENTRY_DSN: z
    .string()
    .regex(SENTRY_DSN, 'expected a Sentry DSN such as https://<public key>@o1.ingest.sentry.io/<project id>')
    .optional()
    .describe(
      'Sentry DSN of the project (errors and traces). Unset or empty: Sentry is off (tracing stays OTLP-only).',
    ),
  SENTRY_ENVIRONMENT: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/, 'expected a lowercase name such as staging or production')
    .optional()
    .describe('Environment of Sentry events. Default: the deployment environment (APP_ENV, else NODE_ENV).'),
  SENTRY_SAMPLE_RATE: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('Share of errors sent to Sentry (0 to 1).'),
  SENTRY_TRACES_SAMPLE_RATE: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Share of new traces sampled when Sentry is on (for Sentry and the OTLP exporter alike; a caller’s sampling decision is kept). Default: 0.1 in production, 1 elsewhere.',
    ),
};

export const telemetryEnvSchema = z.object(telemetryEnvShape);
export type TelemetryEnv = z.infer<typeof telemetryEnvSchema>;

/** The deployment environment reported in logs and traces. */
export function deploymentEnvironment(env: { APP_ENV?: string; NODE_ENV?: string }): string {
  return env.APP_ENV ?? env.NODE_ENV ?? 'development';
}
