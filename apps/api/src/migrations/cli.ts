// `npm run migration:run -w apps/api` (in the image: `npm run migration:run`): applies pending
// migrations from apps/api/migrations/ to DATABASE_URL, then exits. Separate from the server so a
// deploy runs it once, before the new version starts.
import { resolve } from 'node:path';
import { Client } from 'pg';
import { envFields } from '../config/env.schema';
import { formatProblems, parseConfig } from '../config/load-config';
import { migrate, readMigrations } from './migrator';

const MIGRATIONS_DIR = resolve(__dirname, '../../migrations');

async function main(): Promise<void> {
  const result = parseConfig(process.env, envFields.pick({ DATABASE_URL: true, DATABASE_SSL: true }));
  if (!result.ok) throw new Error(formatProblems(result.problems));
  const { DATABASE_URL, DATABASE_SSL } = result.config;
  const client = new Client({
    connectionString: DATABASE_URL,
    ssl: DATABASE_SSL ? { rejectUnauthorized: true } : undefined,
    application_name: 'contextai-api-migrate',
  });
  await client.connect();
  try {
    const migrations = readMigrations(MIGRATIONS_DIR);
    const { applied, alreadyApplied } = await migrate(client, migrations);
    for (const id of applied) process.stdout.write(`applied ${id}\n`);
    process.stdout.write(
      `${applied.length} migration(s) applied, ${alreadyApplied.length} already applied (${migrations.length} in ${MIGRATIONS_DIR}).\n`,
    );
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migration:run failed: ${(error as Error).message}\n`);
  process.exit(1);
});
