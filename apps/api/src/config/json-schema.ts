import { z } from 'zod';
import { envSchema, isEnvBoolean } from './env.schema';

export const ENV_SCHEMA_FILE = 'env.schema.json';

/**
 * The env schema as JSON Schema (draft-07) for the `env-validate` action. Input mode, so variables
 * with a default are optional; numbers are typed as numbers and env-validate coerces them from text.
 */
export function envJsonSchema(): Record<string, unknown> {
  const json = z.toJSONSchema(envSchema, {
    target: 'draft-7',
    io: 'input',
    override: (ctx) => {
      if (isEnvBoolean(ctx.zodSchema as unknown as z.ZodType)) {
        // zod describes the text form (a string); env-validate coerces the text to a boolean.
        const json = ctx.jsonSchema as Record<string, unknown>;
        for (const key of Object.keys(json)) if (key !== 'default' && key !== 'description') delete json[key];
        json.type = 'boolean';
      }
    },
  });
  return {
    ...json,
    title: 'Context.AI API environment',
    description:
      'Generated from apps/api/src/config/env.schema.ts by `npm run env-schema -w apps/api`; do not edit.',
  };
}

/** The file's exact content: stable key order and a trailing newline, so a diff means a real change. */
export function envJsonSchemaText(): string {
  return `${JSON.stringify(envJsonSchema(), null, 2)}\n`;
}
