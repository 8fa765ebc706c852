/** The parts of a PostgreSQL connection URL that the backup needs, the password kept apart. */
export interface DatabaseTarget {
  database: string;
  host: string;
  port: string;
  user: string;
  password?: string;
  /** The URL without its password: safe as a pg_dump/pg_restore argument (argv is visible in `ps`). */
  urlWithoutPassword: string;
  /** The full URL for the `pg` client (never printed). */
  url: string;
}

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
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const bare = new URL(url.toString());
  bare.password = '';
  return {
    database,
    host: url.hostname,
    port: url.port || '5432',
    user: decodeURIComponent(url.username),
    password,
    urlWithoutPassword: bare.toString(),
    url: text.trim(),
  };
}

/** Environment for libpq tools: the password travels in PGPASSWORD, never in argv. */
export function libpqEnv(target: DatabaseTarget, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of ['PGPASSWORD', 'PGPASSFILE', 'PGSERVICE', 'PGDATABASE', 'PGHOST', 'PGPORT', 'PGUSER'])
    delete env[name];
  if (target.password) env.PGPASSWORD = target.password;
  return env;
}

/** Same server and database (host, port, name): verify must never restore over its source. */
export function sameDatabase(a: DatabaseTarget, b: DatabaseTarget): boolean {
  const host = (h: string) => (h === 'localhost' ? '127.0.0.1' : h.toLowerCase());
  return host(a.host) === host(b.host) && a.port === b.port && a.database === b.database;
}
