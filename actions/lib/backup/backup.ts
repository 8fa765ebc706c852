import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { deleteObject, putText } from './s3';
import { privateTempDir } from '../system/temp';
import { libpqEnv, type DatabaseTarget } from './database-url';
import { openSnapshot, type DatabaseIdentity, type Snapshot } from './database';
import { makeFifo, readFifoInto } from './fifo';
import { MANIFEST_FORMAT, recipientFingerprint, totalRows, type Manifest } from './manifest';
import { backupKey, manifestKey, sidecarKey } from './naming';
import { signManifest } from './signing';
import { describeFailures, failedStages, startPipeline, type Pipeline } from './pipeline';
import { dumpStages } from './plan';
import type { Log } from '../action/core';
import { startProgress } from './progress';
import { toolVersions } from './tools';
import { StreamUpload } from './upload';

export interface BackupOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  source: DatabaseTarget;
  recipients: string[];
  /** Ed25519 key that signs the manifest (only the backup job holds it). */
  signingKey: KeyObject;
  compressionLevel: number;
  log: Log;
  /** Removes secrets from text that came from outside (process stderr, driver errors). */
  redact: (text: string) => string;
  progressEveryMs?: number;
}

export interface BackupResult {
  manifest: Manifest;
  /** The source as its live connection identified itself (for the scratch guard of the verify). */
  source: DatabaseIdentity;
  durationMs: number;
  warnings: string[];
}

/** The smallest ciphertext a real dump can produce: an age header alone is ~200 bytes. */
const MIN_BACKUP_BYTES = 512;

/**
 * Streams pg_dump | zstd | age into S3 (through a FIFO, see fifo.ts) and writes the manifest
 * last. Any failure kills the processes, aborts the upload and throws: no manifest, so
 * nothing counts as a backup.
 */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const started = new Date();
  const key = backupKey(o.prefix, started, randomBytes(3).toString('hex'));
  const warnings: string[] = [];
  const upload = new StreamUpload(o.s3, o.bucket, key, { contentType: 'application/octet-stream' });
  let snapshot: Snapshot | undefined;
  let pipeline: Pipeline | undefined;
  let completed = false;
  const dir = privateTempDir('db-backup');
  try {
    // The dump starts as soon as the snapshot and the FIFO exist: a small database's backup is
    // mostly start-up. The tool versions are only needed for the manifest.
    const versions = settle(toolVersions(), '');
    const [opened, fifo] = await Promise.allSettled([openSnapshot(o.source.url), makeFifo(dir)]);
    if (opened.status === 'fulfilled') snapshot = opened.value; // closed in `finally` whatever happens next
    if (opened.status === 'rejected') throw opened.reason;
    if (fifo.status === 'rejected') throw fifo.reason;
    snapshot = opened.value;
    o.log.info(
      `Dumping ${o.source.database} (PostgreSQL ${snapshot.serverVersion}, snapshot ${snapshot.id}) to s3://${o.bucket}/${key}`,
    );
    pipeline = startPipeline(
      dumpStages({
        urlWithoutPassword: o.source.urlWithoutPassword,
        snapshot: snapshot.id,
        compressionLevel: o.compressionLevel,
        recipients: o.recipients,
        outputPath: fifo.value,
      }),
      { env: libpqEnv(o.source, dir), output: 'ignore' },
    );
    // Counted in the exported snapshot while pg_dump reads the same one.
    const counting = settle(snapshot.countRows(), 'Counting rows failed: ');
    const stopProgress = startProgress(o.log, 'uploaded', () => upload.bytes, o.progressEveryMs);
    try {
      await readFifoInto(fifo.value, upload, pipeline.exits);
    } finally {
      stopProgress();
    }
    const failed = failedStages(await pipeline.exits);
    if (failed.length > 0) {
      await versions.value(); // a missing tool explains the failure best
      throw new Error(`The dump failed: ${describeFailures(failed, o.redact)}.`);
    }
    if (upload.bytes < MIN_BACKUP_BYTES)
      throw new Error(`The dump produced only ${upload.bytes} bytes: refusing to store it as a backup.`);
    const tables = await counting.value();
    const tools = await versions.value();
    const stored = await upload.complete();
    completed = true;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      key,
      database: o.source.database,
      server_version: snapshot.serverVersion,
      database_size_bytes: snapshot.databaseSize,
      tools: { pg_dump: tools.pg_dump!, zstd: tools.zstd!, age: tools.age! },
      started_at: started.toISOString(),
      finished_at: new Date().toISOString(),
      size_bytes: stored.size,
      sha256: stored.sha256,
      compression: { algorithm: 'zstd', level: o.compressionLevel },
      encryption: { format: 'age', recipients: o.recipients.map(recipientFingerprint) },
      snapshot: snapshot.id,
      tables,
      rows_total: totalRows(tables),
      source: { system_identifier: snapshot.identity.systemIdentifier, database: snapshot.identity.database },
    };
    // The signature first, the manifest last: a backup only counts once its manifest exists.
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await putText(o.s3, o.bucket, sidecarKey(key, 'signature'), signManifest(manifestText, o.signingKey));
    await putText(o.s3, o.bucket, manifestKey(key), manifestText);
    return { manifest, source: snapshot.identity, durationMs: Date.now() - started.getTime(), warnings };
  } catch (error) {
    pipeline?.kill();
    await pipeline?.exits;
    const warning = await upload.abort();
    if (warning) o.log.warning(warning);
    // Completed but no manifest (the manifest write failed): remove the orphan now.
    if (completed)
      for (const orphan of [sidecarKey(key, 'signature'), key])
        await deleteObject(o.s3, o.bucket, orphan).catch(() =>
          o.log.warning(`could not delete ${orphan}; retention will remove it`),
        );
    throw new Error(o.redact(error instanceof Error ? error.message : String(error)));
  } finally {
    await snapshot?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Holds a promise's outcome so a rejection while other work runs is not "unhandled". */
function settle<T>(promise: Promise<T>, failurePrefix: string) {
  const outcome = promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return {
    value: async (): Promise<T> => {
      const o = await outcome;
      if (!o.ok)
        throw new Error(`${failurePrefix}${o.error instanceof Error ? o.error.message : String(o.error)}`);
      return o.value;
    },
  };
}
