import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a PostgreSQL connection URL that the backup needs, the secrets kept apart. */
export interface DatabaseTarget {
  database: string;
  host: string;
  port: string;
  user: string;
  /** From the user-info part or a `password` query parameter. */
  password?: string;
  /** The passphrase of the client certificate's key (`sslpassword` query parameter). */
  sslPassword?: string;
  /**
   * The URL without any secret (user-info password, `password` and `sslpassword` parameters): safe
   * as a pg_dump/pg_restore argument (argv is visible in `ps`) and in messages.
   */
  urlWithoutPassword: string;
  /** The full URL for the `pg` client (never printed). */
  url: string;
}

/** Query parameters libpq reads as secrets: they never travel on a command line. */
const SECRET_PARAMETERS = ['password', 'sslpassword'];

/** Parses `postgres://user:pass@host:port/db?sslmode=...`; undefined when it is not one. */
export function parseDatabaseUrl(text: string): DatabaseTarget | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database || database.includes('/')) return undefined;
  const password =
    url.searchParams.get('password') ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const sslPassword = url.searchParams.get('sslpassword') ?? undefined;
  const bare = new URL(url.toString());
  bare.password = '';
  for (const name of SECRET_PARAMETERS) bare.searchParams.delete(name);
  return {
    database,
    host: url.hostname,
    port: url.port || '5432',
    user: decodeURIComponent(url.username),
    ...(password ? { password } : {}),
    ...(sslPassword ? { sslPassword } : {}),
    urlWithoutPassword: bare.toString(),
    url: text.trim(),
  };
}

/**
 * Environment for libpq tools: the password travels in PGPASSWORD, never in argv. libpq has no
 * variable for `sslpassword`: it goes into a 0600 service file in `privateDir` (the run's private
 * temp dir, removed with it) that PGSERVICEFILE/PGSERVICE name.
 */
export function libpqEnv(
  target: DatabaseTarget,
  privateDir?: string,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of [
    'PGPASSWORD',
    'PGPASSFILE',
    'PGSERVICE',
    'PGSERVICEFILE',
    'PGDATABASE',
    'PGHOST',
    'PGPORT',
    'PGUSER',
  ])
    delete env[name];
  if (target.password) env.PGPASSWORD = target.password;
  if (target.sslPassword) {
    if (!privateDir) throw new Error('An sslpassword needs a private directory for its service file.');
    if (/[\r\n]/.test(target.sslPassword)) throw new Error('The sslpassword parameter holds a line break.');
    const file = join(privateDir, 'pg_service.conf');
    writeFileSync(file, `[backup]\nsslpassword=${target.sslPassword}\n`, { mode: 0o600 });
    env.PGSERVICEFILE = file;
    env.PGSERVICE = 'backup';
  }
  return env;
}

/** Same server and database (host, port, name): verify must never restore over its source. */
export function sameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  const host = (h: string) => (h === 'localhost' ? '127.0.0.1' : h.toLowerCase());
  return host(a.host) === host(b.host) && a.port === b.port && a.database === b.database;
}
