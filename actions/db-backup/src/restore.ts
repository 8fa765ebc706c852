import type { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pump } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import type pg from 'pg';
import { getStream, getText } from '../../common/src/s3';
import { compareTables, type Comparison } from './compare';
import { libpqEnv, type DatabaseTarget } from './database-url';
import { connect, countTables, isEmptyDatabase, resetScratchDatabase } from './database';
import { parseManifest, type Manifest, type TableCount } from './manifest';
import { manifestKey } from './naming';
import { describeFailures, failedStages, startPipeline } from './pipeline';
import { decryptStages, restoreArgv } from './plan';
import { startProgress, type Log } from './progress';

const execFileAsync = promisify(execFile);

/**
 * The age identity: a file (operators) or the key itself (actions). age reads identities only
 * from files, so a key is written to a 0600 file in a private directory on tmpfs (/dev/shm)
 * when there is one, and removed as soon as the restore ends.
 */
export type Identity = { path: string } | { key: string };

export interface RestoreOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  identity: Identity;
  target: DatabaseTarget;
  jobs: number;
  /** What to do with a target that holds objects: refuse, pg_restore --clean, or empty it (scratch only). */
  existing: 'refuse' | 'clean' | 'reset-scratch';
  noOwner: boolean;
  log: Log;
  redact: (text: string) => string;
  /** Directory for the decrypted dump (defaults to RUNNER_TEMP or the OS temp dir). */
  tempDir?: string;
}

export interface RestoreResult {
  manifest: Manifest;
  tables: TableCount[];
  comparison: Comparison;
  timings: { downloadMs: number; restoreMs: number; checkMs: number; totalMs: number };
}

/**
 * Restores a backup. The whole object is downloaded, its sha256 compared with the manifest
 * and its age authentication checked (age verifies every 64 KiB chunk and the final one,
 * so a flipped byte or a truncation fails) into a private temporary dump file BEFORE
 * pg_restore touches the target; the file also lets pg_restore work in parallel (`--jobs`).
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const manifest = parseManifest(await getText(o.s3, o.bucket, manifestKey(o.key)), o.key);
  if (o.existing === 'refuse') await refuseNonEmpty(o);

  const dir = mkdtempSync(join(o.tempDir ?? process.env.RUNNER_TEMP ?? tmpdir(), 'db-restore-'));
  const keyDir =
    'key' in o.identity ? mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : dir, 'age-')) : undefined;
  try {
    const dumpPath = join(dir, 'backup.dump');
    await downloadAndVerify(o, manifest, dumpPath, keyDir);
    const downloadMs = Date.now() - started;
    if (o.existing === 'reset-scratch') await withClient(o.target, resetScratchDatabase);

    o.log.info(
      `Restoring into ${o.target.database} on ${o.target.host}:${o.target.port} with ${o.jobs} job(s)`,
    );
    const argv = restoreArgv({
      urlWithoutPassword: o.target.urlWithoutPassword,
      dumpPath,
      jobs: o.jobs,
      clean: o.existing === 'clean',
      noOwner: o.noOwner,
    });
    try {
      await execFileAsync(argv[0]!, argv.slice(1), { env: libpqEnv(o.target), maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message)
        .trim()
        .split('\n')
        .slice(-5)
        .join(' | ');
      throw new Error(`pg_restore failed: ${o.redact(stderr)}`);
    }
    const restoreMs = Date.now() - started - downloadMs;

    const tables = await withClient(o.target, countTables);
    const comparison = compareTables(manifest.tables, tables);
    const totalMs = Date.now() - started;
    return {
      manifest,
      tables,
      comparison,
      timings: { downloadMs, restoreMs, checkMs: totalMs - downloadMs - restoreMs, totalMs },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  }
}

function writeIdentity(dir: string, key: string): string {
  const path = join(dir, 'identity');
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return path;
}

async function refuseNonEmpty(o: RestoreOptions): Promise<void> {
  if (!(await withClient(o.target, isEmptyDatabase)))
    throw new Error(
      `The target database ${o.target.database} is not empty. Restore into an empty database, or pass --clean to drop and recreate the backup's objects in it.`,
    );
}

async function withClient<T>(target: DatabaseTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(target.url);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Streams the object through sha256 and `age -d | zstd -d` into `dumpPath`; throws unless all of it checks out. */
async function downloadAndVerify(
  o: RestoreOptions,
  manifest: Manifest,
  dumpPath: string,
  keyDir?: string,
): Promise<void> {
  const identityPath = 'path' in o.identity ? o.identity.path : writeIdentity(keyDir!, o.identity.key);
  const decrypt = startPipeline(decryptStages(identityPath, dumpPath), { input: 'pipe', output: 'ignore' });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  o.log.info(`Downloading and verifying s3://${o.bucket}/${o.key} (${manifest.size_bytes} bytes)`);
  const stopProgress = startProgress(o.log, 'downloaded', () => bytes);
  let streamError: unknown;
  try {
    const { body } = await getStream(o.s3, o.bucket, o.key);
    await pump(body, tap, decrypt.input!).catch((error: unknown) => (streamError = error));
  } catch (error) {
    streamError = error;
    decrypt.kill();
  } finally {
    stopProgress();
  }
  const failed = failedStages(await decrypt.exits);
  const problems: string[] = [];
  const sha256 = hash.digest('hex');
  if (bytes !== manifest.size_bytes)
    problems.push(`size is ${bytes} bytes, the manifest says ${manifest.size_bytes}`);
  if (sha256 !== manifest.sha256) problems.push(`sha256 is ${sha256}, the manifest says ${manifest.sha256}`);
  if (failed.length > 0) problems.push(`decryption failed: ${describeFailures(failed, o.redact)}`);
  if (problems.length === 0 && streamError)
    problems.push(`download failed: ${o.redact(String((streamError as Error).message ?? streamError))}`);
  if (problems.length > 0)
    throw new Error(
      `Backup ${o.key} failed verification; the target was not touched: ${problems.join('; ')}.`,
    );
  o.log.info(`Verified ${o.key}: sha256 matches the manifest and age authenticated every chunk`);
}
