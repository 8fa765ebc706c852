import { createHash } from 'node:crypto';

export const MANIFEST_FORMAT = 'contextai.db-backup/v1';

export interface TableCount {
  schema: string;
  table: string;
  rows: number;
}

/** Written beside a backup object, last: a backup without one is not a backup. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  key: string;
  database: string;
  server_version: string;
  database_size_bytes: number;
  tools: { pg_dump: string; zstd: string; age: string };
  started_at: string;
  finished_at: string;
  size_bytes: number;
  sha256: string;
  compression: { algorithm: 'zstd'; level: number };
  encryption: { format: 'age'; recipients: string[] };
  snapshot: string;
  tables: TableCount[];
  rows_total: number;
  /**
   * The backed-up database as its live connection identified itself: a drill refuses to empty a
   * scratch database with the same identity. Absent from manifests written before it existed.
   */
  source?: { system_identifier: string; database: string };
}

/** A recipient's fingerprint: it names the key pair without being the key (`sha256:` + 16 hex). */
export function recipientFingerprint(recipient: string): string {
  return `sha256:${createHash('sha256').update(recipient).digest('hex').slice(0, 16)}`;
}

export function totalRows(tables: TableCount[]): number {
  return tables.reduce((sum, t) => sum + t.rows, 0);
}

/** Parses and checks a manifest; throws naming the first problem. */
export function parseManifest(text: string, key?: string): Manifest {
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new Error(`The manifest${key ? ` of ${key}` : ''} is not valid JSON.`);
  }
  const problems: string[] = [];
  if (m.format !== MANIFEST_FORMAT) problems.push(`format is not ${MANIFEST_FORMAT}`);
  if (typeof m.key !== 'string') problems.push('key is missing');
  if (key && m.key !== key) problems.push(`key names ${String(m.key)}, not ${key}`);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))
    problems.push('sha256 is not 64 hex digits');
  if (!Number.isSafeInteger(m.size_bytes) || (m.size_bytes ?? 0) <= 0)
    problems.push('size_bytes is not a positive integer');
  if (
    !Array.isArray(m.tables) ||
    m.tables.some(
      (t) => typeof t?.schema !== 'string' || typeof t?.table !== 'string' || !Number.isSafeInteger(t?.rows),
    )
  )
    problems.push('tables is not a list of {schema, table, rows}');
  if (problems.length > 0)
    throw new Error(`The manifest${key ? ` of ${key}` : ''} is not valid: ${problems.join('; ')}.`);
  return m as Manifest;
}
