import pg from 'pg';
import { explainNetworkError, type Service } from '../system/network-error';
import { parseDatabaseUrl } from './database-url';
import type { TableCount } from './manifest';

/** Tables whose rows a dump carries: ordinary tables (partitions included), not system or extension-owned ones. */
const TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS table, pg_total_relation_size(c.oid) AS bytes
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
  try {
    await client.connect();
  } catch (error) {
    throw explainNetworkError(error, postgresService(url));
  }
  return client;
}

/** How a failure names a database: its name and host:port, never the user or password. */
export function postgresService(url: string): Service {
  const target = parseDatabaseUrl(url);
  return {
    name: `PostgreSQL database "${target?.database ?? '?'}"`,
    address: target ? `${target.host}:${target.port}` : 'the given URL',
    hint: 'Check that the server is running and reachable from the runner (host, port, firewall, sslmode) and that the URL names it.',
  };
}

type TableName = Pick<TableCount, 'schema' | 'table'>;

async function listTables(client: pg.Client): Promise<(TableName & { bytes: string })[]> {
  return (await client.query<TableName & { bytes: string }>(TABLES_SQL)).rows;
}

async function countRows(client: pg.Client, { schema, table }: TableName): Promise<TableCount> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ONLY ${quoteIdent(schema)}.${quoteIdent(table)}`,
  );
  return { schema, table, rows: Number(rows[0]!.n) };
}

/** Exact row counts, one table after the other on one connection (so in one snapshot). */
export async function countTables(client: pg.Client): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const name of await listTables(client)) counts.push(await countRows(client, name));
  return counts;
}

/**
 * Exact row counts of a restored database: `count(*)` per table on up to `connections`
 * connections at once (`client` plus new ones to `url`), biggest tables first so the longest
 * count starts at once. Only for a database nothing else writes to: the counts do not share
 * a snapshot. Returned in the same order as countTables.
 */
export async function countTablesInParallel(
  client: pg.Client,
  url: string,
  connections: number,
): Promise<TableCount[]> {
  const tables = await listTables(client);
  const queue = tables
    .map((name, index) => ({ name, index }))
    .sort((a, b) => Number(b.name.bytes) - Number(a.name.bytes));
  const extra = await Promise.all(
    Array.from({ length: Math.max(0, Math.min(connections, queue.length) - 1) }, () => connect(url)),
  );
  const counts: TableCount[] = new Array(tables.length);
  const worker = async (c: pg.Client) => {
    for (let next = queue.shift(); next; next = queue.shift())
      counts[next.index] = await countRows(c, next.name);
  };
  try {
    await Promise.all([client, ...extra].map(worker));
  } finally {
    await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
  }
  return counts;
}

export async function isEmptyDatabase(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(USER_OBJECTS_SQL);
  return rows[0]!.n === 0;
}

/** Which cluster and database a connection reaches: what two URLs cannot tell (aliases, proxies, DNS). */
export interface DatabaseIdentity {
  /** pg_control_system().system_identifier: unique per cluster (initdb), shared by its replicas. */
  systemIdentifier: string;
  database: string;
}

export async function databaseIdentity(client: pg.Client): Promise<DatabaseIdentity> {
  const { rows } = await client.query<{ id: string; db: string }>(
    'SELECT system_identifier::text AS id, current_database() AS db FROM pg_control_system()',
  );
  return { systemIdentifier: rows[0]!.id, database: rows[0]!.db };
}

/**
 * The comment a scratch database must carry before a verify or a drill empties it:
 * `COMMENT ON DATABASE <name> IS 'contextai:scratch'` (set once by whoever creates it).
 */
export const SCRATCH_MARKER = 'contextai:scratch';

export function markScratchSql(database: string): string {
  return `COMMENT ON DATABASE ${quoteIdent(database)} IS '${SCRATCH_MARKER}'`;
}

/** What must hold before a scratch database is emptied. */
export interface ScratchGuard {
  /** Databases that must never be emptied: the backup's source (live, or as its signed manifest recorded it). */
  protect: DatabaseIdentity[];
}

/**
 * Empties a scratch database: drops every user schema and recreates `public`. Only for
 * verify and restore drills, whose target is declared disposable; and only after proving, over
 * the live connection, that it is not a protected database (same cluster and name) and that it
 * carries the scratch marker. Either check failing drops nothing.
 */
export async function resetScratchDatabase(client: pg.Client, guard: ScratchGuard): Promise<void> {
  await checkScratch(client, guard);
  const { rows } = await client.query<{ name: string }>(USER_SCHEMAS_SQL);
  for (const { name } of rows) await client.query(`DROP SCHEMA ${quoteIdent(name)} CASCADE`);
  await client.query('CREATE SCHEMA IF NOT EXISTS public');
}

export async function checkScratch(client: pg.Client, guard: ScratchGuard): Promise<void> {
  const self = await databaseIdentity(client);
  const clash = guard.protect.find(
    (p) => p.systemIdentifier === self.systemIdentifier && p.database === self.database,
  );
  if (clash)
    throw new Error(
      `Refusing to empty ${self.database}: it is the database being backed up (same cluster, system identifier ${self.systemIdentifier}, same name), reached through another URL. Give the scratch database's URL.`,
    );
  const { rows } = await client.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = current_database()`,
  );
  if (rows[0]?.comment !== SCRATCH_MARKER)
    throw new Error(
      `Refusing to empty ${self.database}: it does not carry the scratch marker, so it may not be disposable. If it is, mark it once as its owner: ${markScratchSql(self.database)}`,
    );
}

/**
 * A REPEATABLE READ transaction whose snapshot pg_dump imports (`--snapshot`): the row
 * counts taken in it describe exactly the data in the dump. It must stay open until
 * pg_dump has finished.
 */
export interface Snapshot {
  id: string;
  /** The source's cluster and database, read over this connection. */
  identity: DatabaseIdentity;
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
      identity: await databaseIdentity(client),
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
