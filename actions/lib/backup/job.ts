// A whole backup run, as db-backup and scripts/backup-database do it: back up, optionally verify by
// restoring into a scratch database, apply retention; on any failure alert Slack and fail.
import type { Core, Log } from '../action/core';
import { formatBytes, formatDuration } from '../action/duration';
import { redact } from '../action/secrets';
import { withFailureAlert } from '../alert/failure';
import { runBackup, type BackupResult } from './backup';
import { describeComparison } from './compare';
import { knownSecrets, type BackupInputs } from './inputs';
import { pruneBackups, type PruneResult } from './prune';
import { restoreBackup, type RestoreResult } from './restore';
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
  const secrets = knownSecrets([
    inputs.source.url,
    inputs.source.password,
    inputs.verify?.target.url,
    inputs.verify?.target.password,
    inputs.verify?.identity,
    inputs.slack?.token,
  ]);
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
      const { target, identity } = inputs.verify;
      verified = await out.group('Verify: restore into the scratch database', () =>
        restoreBackup({
          s3,
          bucket: inputs.bucket,
          key: manifest.key,
          identity: { key: identity },
          target,
          jobs: 2,
          existing: 'reset-scratch',
          noOwner: true,
          log,
          redact: scrub,
        }),
      );
      if (!verified.comparison.ok)
        throw new Error(
          `The restored backup ${manifest.key} does not match its manifest: ${describeComparison(verified.comparison)}.`,
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
