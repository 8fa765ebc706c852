// Helpers for the backup integration tests (db-backup, restore-drill, the upload): real PostgreSQL and s3rver.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './run-action';
import { stackEnv } from './stack-env';
import { freePort } from './net';
import { startMultipartShim, storedUploads } from './s3-multipart-shim';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export function stack() {
  const env = stackEnv();
  return {
    env,
    pgUrl: (database: string, user = env.STACK_PG_USER!, password = env.STACK_PG_PASSWORD!) =>
      `postgres://${user}:${password}@${env.STACK_PG_HOST}:${env.STACK_PG_PORT}/${database}`,
    awsEnv: {
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID!,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY!,
      AWS_REGION: env.AWS_REGION!,
    },
    bucket: env.STACK_S3_BUCKET!,
    endpoint: env.STACK_S3_ENDPOINT!,
  };
}

export function s3For(endpoint: string, env: Record<string, string>): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

export async function keys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

/** Deletes every object under a prefix (test clean-up). */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (const key of await keys(s3, bucket, prefix))
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

export async function put(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** An age key pair made by age-keygen. */
export function ageKeyPair(dir: string): { identityFile: string; identity: string; recipient: string } {
  const identityFile = join(dir, 'key.txt');
  execFileSync('age-keygen', ['-o', identityFile], { stdio: 'ignore' });
  const identity = readFileSync(identityFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  const recipient = execFileSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).trim();
  return { identityFile, identity, recipient };
}

/** An Ed25519 manifest signing key (PEM) with its public key, also written to `<dir>/signing.pub`. */
export function signingKeyPair(dir: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  const publicFile = join(dir, 'signing.pub');
  writeFileSync(publicFile, publicPem);
  return {
    privateKey,
    privatePem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicPem,
    publicFile,
  };
}

/** Marks a database as disposable, as its setup would (the scratch guard requires it). */
export async function markScratch(adminUrl: string, database: string): Promise<void> {
  await sql(adminUrl, `COMMENT ON DATABASE ${database} IS 'contextai:scratch'`);
}

export { freePort };

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A private s3rver on its own port and directory (so a test can stop it mid-upload), behind
 * the front that adds ListMultipartUploads and AbortMultipartUpload (test/s3-multipart-shim.ts).
 * `port` is the front's: pass the old one to restart the store where clients expect it.
 */
export async function startS3rver(bucket: string, directory: string, port?: number) {
  const upstreamPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--no-concurrent-recompilation', // see s3_start in scripts/lib/stack/services.sh
      join(REPO_ROOT, 'node_modules/s3rver/bin/s3rver.js'),
      '--address',
      '127.0.0.1',
      '--port',
      String(upstreamPort),
      '--directory',
      directory,
      '--silent',
      '--configure-bucket',
      bucket,
    ],
    { env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' }, stdio: 'ignore' },
  );
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${upstreamPort}/${bucket}?max-keys=1`)).ok,
    's3rver',
  );
  const shim = await startMultipartShim({ port: port ?? (await freePort()), upstreamPort, directory });
  return {
    endpoint: `http://127.0.0.1:${shim.port}`,
    port: shim.port,
    child,
    /** The multipart uploads the store still holds (complete or aborted ones are gone). */
    uploads: () => storedUploads(directory, bucket),
    stop: async () => {
      await shim.close();
      await stopChild(child);
    },
  };
}

/** A private PostgreSQL 15 server (own data dir and port), so a test can stop it mid-dump. */
export async function startPostgres(password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dbb-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  execFileSync('bash', ['-c', 'printf %s "$1" > "$2" && chown -R postgres "$3"', '_', password, pwfile, dir]);
  const asPostgres = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'];
  execFileSync(
    asPostgres[0]!,
    [
      ...asPostgres.slice(1),
      `${PG_BIN}/initdb`,
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--no-sync',
      '--auth-host=scram-sha-256',
      '--auth-local=peer',
      '-E',
      'UTF8',
      '--no-locale',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const child = spawn(
    asPostgres[0]!,
    [
      ...asPostgres.slice(1),
      `${PG_BIN}/postgres`,
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
    ],
    { stdio: 'ignore' },
  );
  const url = (database: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  await waitFor(async () => (await sql(url('postgres'), 'select 1')).length === 1, 'postgres');
  return {
    url,
    child,
    /** Immediate shutdown (SIGQUIT): connections drop at once, like a crash. */
    crash: () => stopChild(child, 'SIGQUIT'),
    stop: async () => {
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Waits until pg_dump is streaming table data (a COPY) on the given server. */
export async function waitForDumpCopy(adminUrl: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () =>
      (
        await sql(
          adminUrl,
          `select 1 from pg_stat_activity where application_name = 'pg_dump' and query like 'COPY %'`,
        )
      ).length > 0,
    'pg_dump to start copying',
    timeoutMs,
  );
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `${name}-`));
}

/** Waits until an s3rver directory holds the parts of a multipart upload. */
export async function waitForMultipart(directory: string, timeoutMs = 60_000): Promise<void> {
  const hasParts = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some(
      (e) =>
        e.isDirectory() &&
        (e.name.includes('uploads')
          ? readdirSync(join(dir, e.name)).length > 0
          : hasParts(join(dir, e.name))),
    );
  await waitFor(async () => hasParts(directory), 'a multipart upload to start', timeoutMs);
}
