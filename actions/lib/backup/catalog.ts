import type { S3Client } from '@aws-sdk/client-s3';
import type { Log } from '../action/core';
import { listObjects, putText, type StoredObject } from './s3';
import { backupTime, parseSidecarKey, sidecarKey, type Sidecar } from './naming';

/**
 * What the last verification restore said about a backup: `verified` (restored and matched its
 * manifest), `failed` (it did not), `unverified` (never tried). Recorded by db-backup as a sidecar
 * object, so the catalog reads it from the listing alone.
 */
export type Verification = 'verified' | 'unverified' | 'failed';

/** One backup as the store shows it: good only when both the object and its manifest exist. */
export interface BackupEntry {
  key: string;
  manifestKey: string;
  /** Start time, from the key. */
  time: Date;
  status: 'good' | 'incomplete' | 'orphan-manifest';
  verification: Verification;
  /** The manifest has its signature beside it. */
  signed: boolean;
  /** The sidecar objects that exist (manifest, signature, verification records), deleted before the object. */
  sidecars: string[];
  size: number;
  /** When the store last wrote the object (or the newest sidecar, for an orphan). */
  lastModified: Date;
}

/** Groups a prefix's objects into backups, newest first; foreign objects are ignored. */
export function groupBackups(prefix: string, objects: StoredObject[]): BackupEntry[] {
  const byBackup = new Map<string, { object?: StoredObject; sidecars: Map<Sidecar, StoredObject> }>();
  const slot = (key: string) => {
    let s = byBackup.get(key);
    if (!s) byBackup.set(key, (s = { sidecars: new Map() }));
    return s;
  };
  for (const object of objects) {
    const sidecar = parseSidecarKey(object.key);
    if (sidecar) slot(sidecar.key).sidecars.set(sidecar.kind, object);
    else if (backupTime(prefix, object.key)) slot(object.key).object = object;
  }
  const entries: BackupEntry[] = [];
  for (const [key, { object, sidecars }] of byBackup) {
    const time = backupTime(prefix, key);
    if (!time) continue;
    const hasManifest = sidecars.has('manifest');
    const newestSidecar = Math.max(0, ...[...sidecars.values()].map((o) => o.lastModified.getTime()));
    entries.push({
      key,
      manifestKey: sidecarKey(key, 'manifest'),
      time,
      status: object ? (hasManifest ? 'good' : 'incomplete') : 'orphan-manifest',
      verification: sidecars.has('failed') ? 'failed' : sidecars.has('verified') ? 'verified' : 'unverified',
      signed: sidecars.has('signature'),
      // Verification records and the signature first, the manifest last: a half-done delete never looks better.
      sidecars: (['failed', 'verified', 'signature', 'manifest'] as const)
        .filter((kind) => sidecars.has(kind))
        .map((kind) => sidecarKey(key, kind)),
      size: object?.size ?? 0,
      lastModified: object?.lastModified ?? new Date(newestSidecar),
    });
  }
  return entries.sort((a, b) => b.time.getTime() - a.time.getTime() || b.key.localeCompare(a.key));
}

export async function listBackups(s3: S3Client, bucket: string, prefix: string): Promise<BackupEntry[]> {
  return groupBackups(prefix, await listObjects(s3, bucket, prefix));
}

/**
 * The backup a restore of `latest` or a drill takes: the newest verified good one; else the
 * newest unverified one, with a warning; a backup whose verification failed, or whose manifest
 * is not signed, is never chosen. Throws a clear error when nothing qualifies.
 */
export function chooseBackup(entries: BackupEntry[], where: string, log: Pick<Log, 'warning'>): BackupEntry {
  const candidates = entries.filter((e) => e.status === 'good' && e.signed && e.verification !== 'failed');
  const verified = candidates.find((e) => e.verification === 'verified');
  if (verified) return verified;
  const unverified = candidates[0];
  const failed = entries.filter((e) => e.status === 'good' && e.verification === 'failed').length;
  const unsigned = entries.filter((e) => e.status === 'good' && !e.signed).length;
  const skipped = [
    failed ? `${failed} failed verification` : '',
    unsigned ? `${unsigned} without a signed manifest` : '',
  ].filter(Boolean);
  if (!unverified)
    throw new Error(
      `No good backup (object + signed manifest, not failed verification) under ${where}${skipped.length ? ` (skipped: ${skipped.join(', ')})` : ''}.`,
    );
  log.warning(
    `No verified backup under ${where}: taking the newest unverified one, ${unverified.key}. Turn on db-backup's \`verify\` so backups are proven restorable when they are made.`,
  );
  return unverified;
}

/**
 * Records a verification's outcome beside the backup (`<key>.verified.json` or
 * `<key>.verify-failed.json`), so restores and drills prefer proven backups and never take a failed one.
 */
export async function recordVerification(
  s3: S3Client,
  bucket: string,
  key: string,
  outcome: { ok: boolean; detail: string },
): Promise<void> {
  const record = {
    key,
    result: outcome.ok ? 'verified' : 'failed',
    at: new Date().toISOString(),
    detail: outcome.detail,
  };
  await putText(
    s3,
    bucket,
    sidecarKey(key, outcome.ok ? 'verified' : 'failed'),
    `${JSON.stringify(record, null, 2)}\n`,
  );
}
