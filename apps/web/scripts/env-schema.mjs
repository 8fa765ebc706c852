// @ts-check
// `npm run env-schema -w apps/web`: writes env.schema.json, the web's environment as JSON Schema for
// the env-validate action (deploy.yml checks WEB_ENV against it), from the zod schema of
// server/env.mjs. A test keeps the committed file current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { webEnvSchema } from '../server/env.mjs';

export const WEB_ENV_SCHEMA_FILE = join(import.meta.dirname, '..', 'env.schema.json');

/**
 * The file's exact content (draft-07, input mode: variables with a default are optional; numbers
 * typed as numbers, which env-validate coerces from text), stable and with a trailing newline.
 */
export function webEnvJsonSchemaText() {
  const json = {
    ...z.toJSONSchema(webEnvSchema, { target: 'draft-7', io: 'input' }),
    title: 'Context.AI web environment',
    description: 'Generated from apps/web/server/env.mjs by `npm run env-schema -w apps/web`; do not edit.',
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(WEB_ENV_SCHEMA_FILE, webEnvJsonSchemaText());
  process.stdout.write(`wrote ${WEB_ENV_SCHEMA_FILE}\n`);
}
