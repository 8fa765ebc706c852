import type { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type KeyObject } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pump } from 'node:stream/promises';
import { promisify } from 'node:util';
import type pg from 'pg';
import { getStream, getText } from './s3';
import { privateTempDir } from '../system/temp';
import { compareTables, type Comparison } from './compare';
import { allOrStop } from './concurrent';
import { libpqEnv, type DatabaseTarget } from './database-url';
import {
  checkScratch,
  connect,
  countTablesInParallel,
  isEmptyDatabase,
  resetScratchDatabase,
  type DatabaseIdentity,
  type ScratchGuard,
} from './database';
import { parseManifest, type Manifest, type TableCount } from './manifest';
import { manifestKey, sidecarKey } from './naming';
import { verifyManifest } from './signing';
import { describeFailures, failedStages, startPipeline, type StageExit } from './pipeline';
import { decryptStages, restoreArgv } from './plan';
import type { Log } from '../action/core';
import { startProgress } from './progress';

const execFileAsync = promisify(execFile);

/**
 * The age identity: a file (operators) or the key itself (actions). age reads identities only
 * from files, so a key is written to a 0600 file inside the restore's private directory (under
 * RUNNER_TEMP on a runner, which the runner empties after every job, cancelled or not) and
 * removed as soon as the restore ends. Never /dev/shm: nothing cleans it after a cancelled job.
 */
export type Identity = { path: string } | { key: string };

export interface RestoreOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  identity: Identity;
  /** Ed25519 public keys the manifest's signature must verify against (checked before anything else). */
  publicKeys: KeyObject[];
  target: DatabaseTarget;
  /** For `reset-scratch`: databases never to empty (the source, when the caller has its live identity). */
  protect?: DatabaseIdentity[];
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
  timings: {
    /** Manifest, download, sha256 and age check (with the target's emptiness check alongside). */
    downloadMs: number;
    /** Emptying a scratch target, then pg_restore. */
    restoreMs: number;
    /** Row counts. */
    checkMs: number;
    totalMs: number;
  };
}

/** The backup itself failed a check (its bytes, its decryption, pg_restore): not the target's fault. */
export class BackupRejected extends Error {}

/** Where a restore's time went, in exact milliseconds (benchmarks parse this line). */
export function describeTimings(t: RestoreResult['timings'], listMs?: number): string {
  const parts = [
    ...(listMs === undefined ? [] : [`list ${listMs} ms`]),
    `download+verify ${t.downloadMs} ms`,
    `pg_restore ${t.restoreMs} ms`,
    `counts ${t.checkMs} ms`,
  ];
  return parts.join(', ');
}

/**
 * Restores a backup. The whole object is downloaded, its sha256 compared with the manifest
 * and its age authentication checked (age verifies every 64 KiB chunk and the final one,
 * so a flipped byte or a truncation fails) into a private temporary dump file BEFORE
 * pg_restore touches the target; the file also lets pg_restore work in parallel (`--jobs`).
 *
 * The manifest fetch, the download and the connection to the target (with its read-only
 * emptiness check) run at the same time; the first failure stops the others. The
 * connection then serves the scratch reset and the row counts.
 */
export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  // Before anything else: the manifest must be signed by a trusted key.
  const manifest = await fetchSignedManifest(o);
  const guard: ScratchGuard = {
    protect: [
      ...(o.protect ?? []),
      ...(manifest.source
        ? [{ systemIdentifier: manifest.source.system_identifier, database: manifest.source.database }]
        : []),
    ],
  };
  const dir = privateTempDir('db-restore', o.tempDir);
  const dumpPath = join(dir, 'backup.dump');
  let client: pg.Client | undefined;
  try {
    const identityPath = 'path' in o.identity ? o.identity.path : writeIdentity(dir, o.identity.key);
    const stop = new AbortController();
    const [downloaded, opened] = await allOrStop(stop, [
      download(o, identityPath, dumpPath, stop.signal),
      // Kept as soon as it connects, so `finally` closes it even when another task fails.
      openTarget(o, guard).then((c) => (client = c)),
    ]);
    client = opened;
    checkDownload(o, manifest, downloaded);
    const downloadMs = Date.now() - started;

    if (o.existing === 'reset-scratch') await resetScratchDatabase(client, guard);
    await runPgRestore(o, dumpPath, dir);
    const restoreMs = Date.now() - started - downloadMs;

    // The dump is no longer needed: remove it while the rows are counted.
    const removed = rm(dir, { recursive: true, force: true });
    client = await healthy(client, o.target);
    const tables = await countTablesInParallel(client, o.target.url, o.jobs);
    await removed;
    const comparison = compareTables(manifest.tables, tables);
    const totalMs = Date.now() - started;
    return {
      manifest,
      tables,
      comparison,
      timings: { downloadMs, restoreMs, checkMs: totalMs - downloadMs - restoreMs, totalMs },
    };
  } finally {
    await client?.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The manifest, once its signature verifies against one of the trusted public keys. */
async function fetchSignedManifest(o: RestoreOptions): Promise<Manifest> {
  const where = `s3://${o.bucket}/${o.key}`;
  const [text, signature] = await Promise.all([
    getText(o.s3, o.bucket, manifestKey(o.key)),
    getText(o.s3, o.bucket, sidecarKey(o.key, 'signature')).catch((error: unknown) => {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }),
  ]);
  verifyManifest(text, signature, o.publicKeys, where);
  o.log.info(`The manifest of ${o.key} is signed by a trusted key`);
  return parseManifest(text, o.key);
}

/** Connects to the target and, unless told otherwise, refuses one that holds objects (read-only). */
async function openTarget(o: RestoreOptions, guard: ScratchGuard): Promise<pg.Client> {
  const client = await connect(o.target.url);
  try {
    // Read-only, before the download ends: a target that is not a marked scratch database stops the run early.
    if (o.existing === 'reset-scratch') await checkScratch(client, guard);
    if (o.existing === 'refuse' && !(await isEmptyDatabase(client)))
      throw new Error(
        `The target database ${o.target.database} is not empty. Restore into an empty database, or pass --clean to drop and recreate the backup's objects in it.`,
      );
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * The connection kept from before pg_restore, or a new one when it broke meanwhile (a long
 * restore can outlive an idle connection behind a proxy or firewall).
 */
async function healthy(client: pg.Client, target: DatabaseTarget): Promise<pg.Client> {
  try {
    await client.query('SELECT 1');
    return client;
  } catch {
    await client.end().catch(() => undefined);
    return connect(target.url);
  }
}

async function runPgRestore(o: RestoreOptions, dumpPath: string, dir: string): Promise<void> {
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
    await execFileAsync(argv[0]!, argv.slice(1), {
      env: libpqEnv(o.target, dir),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split('\n')
      .slice(-5)
      .join(' | ');
    throw new BackupRejected(`pg_restore failed: ${o.redact(stderr)}`);
  }
}

function writeIdentity(dir: string, key: string): string {
  const keyDir = join(dir, 'age');
  mkdirSync(keyDir, { mode: 0o700 });
  const path = join(keyDir, 'identity');
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return path;
}

interface Download {
  bytes: number;
  sha256: string;
  failed: StageExit[];
  streamError?: unknown;
}

/**
 * Streams the object into `age -d | zstd -d > dumpPath`, hashing it on the way. Resolves
 * with what it saw whatever happened (checkDownload judges); `stop` ends it early.
 */
async function download(
  o: RestoreOptions,
  identityPath: string,
  dumpPath: string,
  stop: AbortSignal,
): Promise<Download> {
  const decrypt = startPipeline(decryptStages(identityPath, dumpPath), { input: 'pipe', output: 'ignore' });
  const hash = createHash('sha256');
  let bytes = 0;
  let stopProgress = () => {};
  let streamError: unknown;
  try {
    const { body, size } = await getStream(o.s3, o.bucket, o.key, stop);
    o.log.info(`Downloading and verifying s3://${o.bucket}/${o.key} (${size} bytes)`);
    stopProgress = startProgress(o.log, 'downloaded', () => bytes);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    await pump(body, decrypt.input!, { signal: stop });
  } catch (error) {
    streamError = error;
    decrypt.kill();
  } finally {
    stopProgress();
  }
  const failed = failedStages(await decrypt.exits);
  if (stop.aborted) throw new Error('download stopped');
  return { bytes, sha256: hash.digest('hex'), failed, streamError };
}

/** Throws unless the download matches the manifest's size and sha256 and age authenticated all of it. */
function checkDownload(o: RestoreOptions, manifest: Manifest, d: Download): void {
  const problems: string[] = [];
  if (d.bytes !== manifest.size_bytes)
    problems.push(`size is ${d.bytes} bytes, the manifest says ${manifest.size_bytes}`);
  if (d.sha256 !== manifest.sha256)
    problems.push(`sha256 is ${d.sha256}, the manifest says ${manifest.sha256}`);
  if (d.failed.length > 0) problems.push(`decryption failed: ${describeFailures(d.failed, o.redact)}`);
  if (problems.length === 0 && d.streamError)
    problems.push(`download failed: ${o.redact(String((d.streamError as Error).message ?? d.streamError))}`);
  if (problems.length > 0)
    throw new BackupRejected(
      `Backup ${o.key} failed verification; the target was not touched: ${problems.join('; ')}.`,
    );
  o.log.info(`Verified ${o.key}: sha256 matches the manifest and age authenticated every chunk`);
}
