// A whole backup run, as db-backup and scripts/backup-database do it: back up, optionally verify by
// restoring into a scratch database, apply retention; on any failure alert Slack and fail.
import type { S3Client } from '@aws-sdk/client-s3';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Core, Log } from '../action/core';
import { formatBytes, formatDuration } from '../action/duration';
import { redact } from '../action/secrets';
import { withFailureAlert } from '../alert/failure';
import { runBackup, type BackupResult } from './backup';
import { describeComparison } from './compare';
import { knownSecrets, type BackupInputs } from './inputs';
import { pruneBackups, type PruneResult } from './prune';
import { BackupRejected, restoreBackup, type RestoreResult } from './restore';
import { recordVerification } from './catalog';
import { createS3Client } from './s3';

export interface BackupJobResult {
  backup: BackupResult;
  /** The verification restore, when `verify` asked for one. */
  verified?: RestoreResult;
  pruned: PruneResult;
}

/** What the caller hears as soon as it happens, so it is reported even when a later stage fails. */
export interface BackupJobEvents {
  /** The backup and its manifest are stored. */
  backedUp(backup: BackupResult): void;
  /** The verification restore matched the manifest. */
  verified(): void;
}

/**
 * Runs the backup, the verification and retention. Everything logged or thrown is scrubbed of the
 * run's secrets.
 */
export async function runBackupJob(
  out: Pick<Core, 'info' | 'warning' | 'group'>,
  inputs: BackupInputs,
  events: BackupJobEvents,
): Promise<BackupJobResult> {
  const secrets = knownSecrets(
    [inputs.verify?.identity, inputs.slack?.token, ...pemLines(inputs.signingKey)],
    inputs.source,
    inputs.verify?.target,
  );
  const scrub = (text: string) => redact(text, secrets);
  const log: Log = { info: (m) => out.info(scrub(m)), warning: (m) => out.warning(scrub(m)) };
  let stage = 'Backup';
  const alert = {
    slack: inputs.slack,
    what: () => `${stage} FAILED`,
    subject: `database \`${inputs.source.database}\``,
    scrub,
    log,
  };
  return withFailureAlert(alert, async () => {
    const s3 = createS3Client(inputs);
    const backup = await runBackup({ ...inputs, s3, log, redact: scrub });
    const { manifest } = backup;
    events.backedUp(backup);
    log.info(
      `Backup ${manifest.key}: ${formatBytes(manifest.size_bytes)}, ${manifest.tables.length} tables, ${manifest.rows_total} rows, ${formatDuration(backup.durationMs)}`,
    );

    let verified: RestoreResult | undefined;
    if (inputs.verify) {
      stage = 'Backup verification';
      verified = await out.group('Verify: restore into the scratch database', () =>
        verifyBackup(s3, inputs, backup, log, scrub),
      );
      events.verified();
      log.info(
        `Verified: ${describeComparison(verified.comparison)} (${formatDuration(verified.timings.totalMs)})`,
      );
    }

    stage = 'Backup retention';
    const policy = {
      now: new Date(),
      retentionMs: inputs.retentionMs,
      keepMin: inputs.keepMin,
      staleMs: inputs.staleMs,
      current: manifest.key,
    };
    const pruned = await out.group('Retention', () =>
      pruneBackups(s3, inputs.bucket, inputs.prefix, policy, log),
    );
    return { backup, verified, pruned };
  });
}

/**
 * Restores the new backup into the scratch database and records the outcome beside it: verified,
 * or failed when the backup itself is at fault (its bytes, pg_restore, the row counts). A problem
 * of the scratch side (unreachable, not marked) records nothing: the backup stays unverified.
 */
async function verifyBackup(
  s3: S3Client,
  inputs: BackupInputs,
  backup: BackupResult,
  log: Log,
  scrub: (text: string) => string,
): Promise<RestoreResult> {
  const { manifest } = backup;
  const { target, identity } = inputs.verify!;
  const record = (ok: boolean, detail: string) =>
    recordVerification(s3, inputs.bucket, manifest.key, { ok, detail: scrub(detail) });
  let result: RestoreResult;
  try {
    result = await restoreBackup({
      s3,
      bucket: inputs.bucket,
      key: manifest.key,
      identity: { key: identity },
      publicKeys: [createPublicKey(inputs.signingKey)],
      target,
      protect: [backup.source],
      jobs: 2,
      existing: 'reset-scratch',
      noOwner: true,
      log,
      redact: scrub,
    });
  } catch (error) {
    if (error instanceof BackupRejected) await record(false, error.message);
    throw error;
  }
  const detail = describeComparison(result.comparison);
  await record(result.comparison.ok, detail);
  if (!result.comparison.ok)
    throw new Error(`The restored backup ${manifest.key} does not match its manifest: ${detail}.`);
  return result;
}

/** The lines of a key's PKCS#8 PEM, for redaction. */
function pemLines(key: KeyObject): string[] {
  return String(key.export({ type: 'pkcs8', format: 'pem' }))
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'));
}
