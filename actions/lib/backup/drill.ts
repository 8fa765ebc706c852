// A restore drill: the newest good backup restored into a scratch database and compared with its
// manifest, so a backup that cannot be restored is found before it is needed.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../action/core';
import { formatBytes } from '../action/duration';
import { latestGood, listBackups, type BackupEntry } from './catalog';
import type { DatabaseTarget } from './database-url';
import { restoreBackup, type RestoreResult } from './restore';

export interface DrillRequest {
  s3: S3Client;
  bucket: string;
  prefix: string;
  identity: string;
  target: DatabaseTarget;
  jobs: number;
  log: Log;
  redact: (text: string) => string;
}

export interface DrillResult extends RestoreResult {
  backup: BackupEntry;
  /** How long listing the backups took. */
  listMs: number;
}

/** Restores the newest good backup under the prefix into the (emptied) scratch database. */
export async function runRestoreDrill(
  o: DrillRequest,
  onChosen: (backup: BackupEntry) => void,
): Promise<DrillResult> {
  const listing = Date.now();
  const backup = latestGood(await listBackups(o.s3, o.bucket, o.prefix), `s3://${o.bucket}/${o.prefix}`);
  const listMs = Date.now() - listing;
  onChosen(backup);
  o.log.info(
    `Restore drill: ${backup.key} (${formatBytes(backup.size)}, taken ${backup.time.toISOString()}) into the scratch database ${o.target.database}`,
  );
  const result = await restoreBackup({
    s3: o.s3,
    bucket: o.bucket,
    key: backup.key,
    identity: { key: o.identity },
    target: o.target,
    jobs: o.jobs,
    existing: 'reset-scratch',
    noOwner: true,
    log: o.log,
    redact: o.redact,
  });
  return { ...result, backup, listMs };
}
