import { telemetryEnvShape } from '@contextai/telemetry';
import { z } from 'zod';

// The one description of the API's environment. The app validates `process.env` against it at
// start-up, and `npm run env-schema` exports it to `env.schema.json` for the `env-validate` action.
// Booleans accept exactly the words env-validate coerces, so both agree on what is valid.

const booleanSchemas = new WeakSet<z.ZodType>();

/** A boolean read from text: true/1/yes/on or false/0/no/off, any case. */
function envBoolean() {
  const schema = z.stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] });
  booleanSchemas.add(schema);
  return schema;
}

/** True for schemas made by `envBoolean()`: exported as JSON Schema booleans. */
export function isEnvBoolean(schema: z.ZodType): boolean {
  return booleanSchemas.has(schema);
}

const port = z.coerce.number().int().min(1).max(65535);
/** https, or http to the loopback interface only (a local JWKS server in tests). */
const secureUrl = z
  .url({ protocol: /^https?$/ })
  .refine(
    (url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(url),
    'expected an https:// URL (http:// only to 127.0.0.1 or localhost)',
  );
const milliseconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The variables (without the cross-variable rule below): `.pick()` and `.shape` work on it. */
export const envFields = z.object({
  NODE_ENV: z
    .enum(['production', 'development', 'test'])
    .default('production')
    .describe('Runtime mode. Only `production` is deployed.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the HTTP server binds to.'),
  PORT: port.default(3000).describe('TCP port of the HTTP server.'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a postgres:// or postgresql:// URL')
    .describe('PostgreSQL connection URL (postgres://user:password@host:port/database). Secret.'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10).describe('Most pooled connections.'),
  DATABASE_STATEMENT_TIMEOUT_MS: milliseconds(100, 600_000)
    .default(5000)
    .describe('PostgreSQL aborts any statement of the API that runs longer (statement_timeout).'),
  DATABASE_SSL: envBoolean().default(false).describe('Connect to PostgreSQL over TLS.'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'expected a redis:// or rediss:// URL')
    .describe('Redis connection URL (redis://[:password@]host:port[/db]). Secret.'),
  REDIS_COMMAND_TIMEOUT_MS: milliseconds(10, 10_000)
    .default(500)
    .describe('A Redis command that takes longer fails (the read cache then falls back to PostgreSQL).'),
  CACHE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(300)
    .describe('Lifetime of read-cache entries in Redis (writes invalidate them sooner).'),
  HEALTH_CHECK_TIMEOUT_MS: milliseconds(50, 30_000)
    .default(1000)
    .describe('Time each readiness check (PostgreSQL, Redis) gets before it counts as down.'),
  SHUTDOWN_TIMEOUT_MS: milliseconds(1000, 300_000)
    .default(25_000)
    .describe('Time in-flight requests get after SIGTERM before the process exits with code 1.'),
  AUTH_ISSUER: secureUrl
    .optional()
    .describe(
      'Issuer of the access tokens that writes need (the `iss` claim), e.g. https://<tenant>.auth0.com/. Unset: every write is refused.',
    ),
  AUTH_AUDIENCE: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .describe('Audience the access tokens must name (the `aud` claim): the API identifier in Auth0.'),
  AUTH_JWKS_URL: secureUrl
    .optional()
    .describe(
      "Where the issuer's signing keys are published; default `<AUTH_ISSUER>.well-known/jwks.json` (Auth0).",
    ),
  AUTH_WRITE_PERMISSION: z
    .string()
    .regex(/^[A-Za-z0-9:._-]{1,128}$/, 'expected a permission name such as write:knowledge-sources')
    .default('write:knowledge-sources')
    .describe(
      'Permission (token `permissions` list or `scope`) that creating and deleting knowledge sources need.',
    ),
  APP_VERSION: z
    .string()
    .max(128)
    .optional()
    .describe('Version shown by /version (set from the image build).'),
  APP_REVISION: z.string().max(128).optional().describe('Git revision shown by /version.'),
  APP_BUILT_AT: z.string().max(64).optional().describe('Build time (ISO 8601) shown by /version.'),
  // Logs, metrics and tracing (LOG_*, METRICS_*, APP_ENV, OTEL_*): shared with the web server.
  ...telemetryEnvShape,
});

export const envSchema = envFields
  .refine((env) => env.METRICS_PORT === undefined || env.METRICS_PORT !== env.PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT (the edge routes PORT; metrics stay on their own listener)',
  })
  .refine((env) => (env.AUTH_ISSUER === undefined) === (env.AUTH_AUDIENCE === undefined), {
    path: ['AUTH_AUDIENCE'],
    message: 'AUTH_ISSUER and AUTH_AUDIENCE go together (a token is checked against both)',
  });

export type AppConfig = z.infer<typeof envSchema>;
