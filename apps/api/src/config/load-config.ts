import { z } from 'zod';
import { describeIssue } from '../common/describe-issue';
import { envSchema, type AppConfig } from './env.schema';

export type ConfigResult<T = AppConfig> = { ok: true; config: T } | { ok: false; problems: string[] };

/**
 * Validates environment variables against the schema. Empty values count as unset (as in
 * env-validate). Problems name the variable and what was expected, never the value: values
 * may be secrets.
 */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult;
export function parseConfig<T>(env: NodeJS.ProcessEnv, schema: z.ZodType<T>): ConfigResult<T>;
export function parseConfig(env: NodeJS.ProcessEnv, schema: z.ZodType = envSchema): ConfigResult<unknown> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => describeIssue(issue, '(environment)', present)),
  };
}

/** The start-up failure message: every problem on its own line. */
export function formatProblems(problems: string[]): string {
  return `Invalid environment (${problems.length} problem${problems.length === 1 ? '' : 's'}); see apps/api/.env.example:\n${problems.map((p) => `- ${p}`).join('\n')}`;
}

/** Reads the config or exits 1 with the list of problems (before anything else starts). */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = parseConfig(env);
  if (result.ok) return result.config;
  process.stderr.write(`${formatProblems(result.problems)}\n`);
  process.exit(1);
}
