// @ts-check
// The one description of the web server's environment (as apps/api/src/config/env.schema.ts is the
// API's). start.mjs validates `process.env` against it before anything starts, and
// `npm run env-schema -w apps/web` exports it to env.schema.json for the `env-validate` action,
// which checks WEB_ENV before a deploy.
import * as telemetryModule from '@contextai/telemetry';
import { z } from 'zod';

// @contextai/telemetry is CommonJS: under Node its exports sit on `default`; Vitest loads its sources.
const telemetry = /** @type {typeof telemetryModule} */ (
  /** @type {{ default?: typeof telemetryModule }} */ (/** @type {unknown} */ (telemetryModule)).default ??
    telemetryModule
);

const port = z.coerce.number().int().min(1).max(65535);

/** The variables (without the cross-variable rule below). */
export const webEnvFields = z.object({
  NODE_ENV: z
    .enum(['production', 'development', 'test'])
    .optional()
    .describe("Runtime mode. Next's standalone server runs in production mode whatever this says."),
  HOSTNAME: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe("Interface Next's server binds to (the image sets 0.0.0.0)."),
  PORT: port.default(3000).describe("TCP port of Next's server."),
  API_URL: telemetry
    .httpUrl()
    .describe(
      'Origin of the API that the pages call server-side, e.g. http://127.0.0.1:3000 (the calls add /api). Read per request.',
    ),
  APP_VERSION: z
    .string()
    .max(128)
    .optional()
    .describe('Version in the footer, logs and traces (the image sets it from the build).'),
  // Logs, metrics and tracing (LOG_*, METRICS_*, APP_ENV, OTEL_*, SENTRY_*): shared with the API.
  ...telemetry.telemetryEnvShape,
});

export const webEnvSchema = webEnvFields.refine(
  (env) => env.METRICS_PORT === undefined || env.METRICS_PORT !== env.PORT,
  {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT (the edge routes PORT; metrics stay on their own listener)',
  },
);

/** @typedef {z.infer<typeof webEnvSchema>} WebEnv */
/** @typedef {{ ok: true, env: WebEnv } | { ok: false, problems: string[] }} WebEnvResult */

/**
 * Validates environment variables. Empty values count as unset (as in env-validate). Problems
 * name the variable and the rule, never the value: values may be secrets (zod's messages never
 * contain the input either).
 * @param {NodeJS.ProcessEnv} env
 * @returns {WebEnvResult}
 */
export function parseWebEnv(env) {
  /** @type {Record<string, string>} */
  const present = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== '') present[name] = value;
  const result = webEnvSchema.safeParse(present);
  if (result.success) return { ok: true, env: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const missing = issue.code === 'invalid_type' && present[name] === undefined;
      return `${name}: ${missing ? 'required' : issue.message}`;
    }),
  };
}

/**
 * The start-up failure message: every problem on its own line.
 * @param {string[]} problems
 */
export function formatWebEnvProblems(problems) {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return `Invalid environment of the web server (${count}); see apps/web/README.md#configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`;
}

/**
 * The validated environment, or exit 1 with the list of problems (before anything else starts).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {WebEnv}
 */
export function loadWebEnvOrExit(env = process.env) {
  const result = parseWebEnv(env);
  if (result.ok) return result.env;
  process.stderr.write(`${formatWebEnvProblems(result.problems)}\n`);
  process.exit(1);
}
