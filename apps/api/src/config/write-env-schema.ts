// `npm run env-schema -w apps/api`: writes env.schema.json from the zod schema.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_SCHEMA_FILE, envJsonSchemaText } from './json-schema';

const target = resolve(__dirname, '../..', ENV_SCHEMA_FILE);
writeFileSync(target, envJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
