import type { S3Client } from '@aws-sdk/client-s3';
import { listObjects, type StoredObject } from './s3';
import { backupKeyOfManifest, backupTime, isManifestKey, manifestKey } from './naming';

/** One backup as the store shows it: good only when both the object and its manifest exist. */
export interface BackupEntry {
  key: string;
  manifestKey: string;
  /** Start time, from the key. */
  time: Date;
  status: 'good' | 'incomplete' | 'orphan-manifest';
  size: number;
  /** When the store last wrote the object (or the manifest, for an orphan). */
  lastModified: Date;
}

/** Groups a prefix's objects into backups, newest first; foreign objects are ignored. */
export function groupBackups(prefix: string, objects: StoredObject[]): BackupEntry[] {
  const byKey = new Map(objects.map((o) => [o.key, o]));
  const entries: BackupEntry[] = [];
  for (const object of objects) {
    if (isManifestKey(object.key)) {
      const key = backupKeyOfManifest(object.key);
      const time = backupTime(prefix, key);
      if (time && !byKey.has(key))
        entries.push({
          key,
          manifestKey: object.key,
          time,
          status: 'orphan-manifest',
          size: 0,
          lastModified: object.lastModified,
        });
      continue;
    }
    const time = backupTime(prefix, object.key);
    if (!time) continue;
    const good = byKey.has(manifestKey(object.key));
    entries.push({
      key: object.key,
      manifestKey: manifestKey(object.key),
      time,
      status: good ? 'good' : 'incomplete',
      size: object.size,
      lastModified: object.lastModified,
    });
  }
  return entries.sort((a, b) => b.time.getTime() - a.time.getTime() || b.key.localeCompare(a.key));
}

export async function listBackups(s3: S3Client, bucket: string, prefix: string): Promise<BackupEntry[]> {
  return groupBackups(prefix, await listObjects(s3, bucket, prefix));
}

/** The newest good backup, or a clear error when there is none. */
export function latestGood(entries: BackupEntry[], where: string): BackupEntry {
  const latest = entries.find((e) => e.status === 'good');
  if (!latest) throw new Error(`No good backup (object + manifest) under ${where}.`);
  return latest;
}
