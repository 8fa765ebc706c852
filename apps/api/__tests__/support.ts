// Helpers for the apps' integration tests: free ports, child servers stopped by pid, a throwaway
// PostgreSQL database on the stack, a private redis-server that a test can stop and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { stackEnv } from '../../../test/stack-env';
import { freePort } from '../../../test/net';

export { freePort };

export interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after `graceMs`); resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>;
}

/** Spawns `argv` with its output captured; the caller stops it by pid (Child.stop). */
export function startChild(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Child {
  const [command, ...args] = argv;
  const child = spawn(command!, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    output: () => output,
    exited,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `url` until it answers 2xx; fails early when `child` exits, or after `timeoutMs`. */
export async function waitForHttp(url: string, child?: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child && child.process.exitCode !== null)
      throw new Error(
        `exited with ${child.process.exitCode} before ${url} answered:\n${child.output().slice(-3000)}`,
      );
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(
    `${url} did not answer within ${timeoutMs} ms (${last})${child ? `:\n${child.output().slice(-3000)}` : ''}`,
  );
}

/** A fresh database on the stack's PostgreSQL; `drop()` removes it. */
export async function createDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = stackEnv().STACK_PG_URL!;
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await withClient(admin, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(admin, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** A private redis-server on `port` (no persistence), so a test can stop it without touching the stack's. */
export async function startRedis(port: number): Promise<Child> {
  const redis = startChild([
    'redis-server',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  const deadline = Date.now() + 10_000;
  while (!redis.output().includes('Ready to accept connections')) {
    if (redis.process.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start:\n${redis.output()}`);
    await sleep(50);
  }
  return redis;
}

/** Polls until `check` returns true (e.g. readiness recovered), or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Every line a child wrote, parsed as a JSON log line; a line that is not JSON fails the test. */
export function jsonLogLines<T = Record<string, unknown>>(child: Child): T[] {
  return child
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

/**
 * Loads `total` knowledge sources spread evenly over `sectors` sectors (`sector-01`...), newest
 * first by one second each, in one statement, then refreshes the planner's statistics.
 */
export async function seedSources(client: pg.ClientBase, total: number, sectors: number): Promise<void> {
  await client.query(
    `INSERT INTO knowledge_sources (sector, title, kind, uri, description, created_at)
     SELECT 'sector-' || lpad((i % $2 + 1)::text, 2, '0'), 'Source ' || i, 'url',
            'https://example.test/sources/' || i, 'Seeded for measurements', now() - i * interval '1 second'
       FROM generate_series(1, $1::int) AS i`,
    [total, sectors],
  );
  await client.query('ANALYZE knowledge_sources');
}
