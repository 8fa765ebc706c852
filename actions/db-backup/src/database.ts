import pg from 'pg';
import type { TableCount } from './manifest';

/** Tables whose rows a dump carries: ordinary tables (partitions included), not system or extension-owned ones. */
const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS table
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2`;

/** User objects that make a database "not empty" for a restore. */
const USER_OBJECTS_SQL = `
SELECT count(*)::int AS n
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

const USER_SCHEMAS_SQL = `
SELECT nspname AS name FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A client whose connection errors (the server stopping mid-backup) reject the pending
 * query instead of crashing the process with an unhandled 'error' event.
 */
export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: 'db-backup',
    connectionTimeoutMillis: 15_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function countTables(client: pg.Client): Promise<TableCount[]> {
  const { rows } = await client.query<{ schema: string; table: string }>(TABLES_SQL);
  const counts: TableCount[] = [];
  for (const { schema, table } of rows) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ONLY ${quoteIdent(schema)}.${quoteIdent(table)}`,
    );
    counts.push({ schema, table, rows: Number(result.rows[0]!.n) });
  }
  return counts;
}

export async function isEmptyDatabase(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(USER_OBJECTS_SQL);
  return rows[0]!.n === 0;
}

/**
 * Empties a scratch database: drops every user schema and recreates `public`. Only for
 * verify and restore drills, whose target is declared disposable.
 */
export async function resetScratchDatabase(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(USER_SCHEMAS_SQL);
  for (const { name } of rows) await client.query(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
  await client.query('CREATE SCHEMA IF NOT EXISTS public');
}

/**
 * A REPEATABLE READ transaction whose snapshot pg_dump imports (`--snapshot`): the row
 * counts taken in it describe exactly the data in the dump. It must stay open until
 * pg_dump has finished.
 */
export interface Snapshot {
  id: string;
  serverVersion: string;
  databaseSize: number;
  countRows(): Promise<TableCount[]>;
  close(): Promise<void>;
}

export async function openSnapshot(url: string): Promise<Snapshot> {
  const client = await connect(url);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await client.query<{ id: string; version: string; size: string }>(
      `SELECT pg_export_snapshot() AS id, current_setting('server_version') AS version, pg_database_size(current_database()) AS size`,
    );
    const row = rows[0]!;
    return {
      id: row.id,
      serverVersion: row.version,
      databaseSize: Number(row.size),
      countRows: () => countTables(client),
      close: async () => {
        await client.query('COMMIT').catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}
