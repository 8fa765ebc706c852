// A restore drill: the newest verified (else unverified) good backup restored into a scratch database and compared with its
// manifest, so a backup that cannot be restored is found before it is needed.
import type { S3Client } from '@aws-sdk/client-s3';
import type { KeyObject } from 'node:crypto';
import type { Log } from '../action/core';
import { formatBytes } from '../action/duration';
import { chooseBackup, listBackups, type BackupEntry } from './catalog';
import type { DatabaseTarget } from './database-url';
import { restoreBackup, type RestoreResult } from './restore';

export interface DrillRequest {
  s3: S3Client;
  bucket: string;
  prefix: string;
  identity: string;
  /** Trusted public keys of the backup signing key. */
  publicKeys: KeyObject[];
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

/**
 * Restores the chosen backup (catalog.ts, chooseBackup) into the scratch database, after its
 * manifest's signature verified and the scratch guard passed (restore.ts).
 */
export async function runRestoreDrill(
  o: DrillRequest,
  onChosen: (backup: BackupEntry) => void,
): Promise<DrillResult> {
  const listing = Date.now();
  const backup = chooseBackup(
    await listBackups(o.s3, o.bucket, o.prefix),
    `s3://${o.bucket}/${o.prefix}`,
    o.log,
  );
  const listMs = Date.now() - listing;
  onChosen(backup);
  o.log.info(
    `Restore drill: ${backup.key} (${formatBytes(backup.size)}, taken ${backup.time.toISOString()}, ${backup.verification}) into the scratch database ${o.target.database}`,
  );
  const result = await restoreBackup({
    s3: o.s3,
    bucket: o.bucket,
    key: backup.key,
    identity: { key: o.identity },
    publicKeys: o.publicKeys,
    target: o.target,
    jobs: o.jobs,
    existing: 'reset-scratch',
    noOwner: true,
    log: o.log,
    redact: o.redact,
  });
  return { ...result, backup, listMs };
}
