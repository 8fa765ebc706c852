import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientBase } from 'pg';

export interface Migration {
  id: string; // file name without .sql, e.g. 001_create_knowledge_sources
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

// Any constant works: every runner of this app takes the same lock, so two deploys never migrate at once.
const LOCK_KEY = 'contextai-api:migrations';

/** The `NNN_name.sql` files of `dir`, in order. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d{3,}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { id: name.slice(0, -4), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock. Idempotent:
 * applied ones are recorded in `schema_migrations`. An applied migration whose file changed since
 * is refused: fix forward with a new migration instead of editing history.
 */
export async function migrate(client: ClientBase, migrations: Migration[]): Promise<MigrationResult> {
  await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id         text        PRIMARY KEY,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ id: string; checksum: string }>(
      'SELECT id, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((row) => [row.id, row.checksum]));
    const changed = migrations
      .filter((m) => done.has(m.id) && done.get(m.id) !== m.checksum)
      .map((m) => m.id);
    if (changed.length > 0)
      throw new Error(
        `Applied migrations were edited afterwards: ${changed.join(', ')}. Restore them and add a new migration instead.`,
      );
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      if (done.has(migration.id)) {
        result.alreadyApplied.push(migration.id);
        continue;
      }
      await applyOne(client, migration);
      result.applied.push(migration.id);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
  }
}

async function applyOne(client: ClientBase, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)', [
      migration.id,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new Error(`Migration ${migration.id} failed and was rolled back: ${(error as Error).message}`);
  }
}
