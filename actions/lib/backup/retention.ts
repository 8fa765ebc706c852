import type { IncompleteUpload } from './s3';
import type { BackupEntry } from './catalog';

export interface RetentionPolicy {
  now: Date;
  retentionMs: number;
  /** The newest `keepMin` good backups that did not fail verification are kept whatever their age. */
  keepMin: number;
  /** Objects without a manifest and incomplete uploads younger than this may belong to a running backup. */
  staleMs: number;
  /** The backup this run just made: never deleted. */
  current?: string;
}

export interface RetentionPlan {
  keep: BackupEntry[];
  delete: { entry: BackupEntry; reason: string }[];
  abort: IncompleteUpload[];
}

/**
 * Decides what retention removes. Pure, so the rules are tested directly:
 * - good backups older than the retention period go, except the newest `keepMin` good ones that
 *   did not fail verification (a failed one never counts towards keep-min and is never protected);
 * - objects without a manifest (and manifests without an object) go once stale;
 * - incomplete multipart uploads are aborted once stale.
 */
export function planRetention(
  entries: BackupEntry[],
  uploads: IncompleteUpload[],
  policy: RetentionPolicy,
): RetentionPlan {
  const plan: RetentionPlan = { keep: [], delete: [], abort: [] };
  const now = policy.now.getTime();
  const good = entries
    .filter((e) => e.status === 'good' && e.verification !== 'failed')
    .sort((a, b) => b.time.getTime() - a.time.getTime());
  const protectedKeys = new Set(good.slice(0, policy.keepMin).map((e) => e.key));
  if (policy.current) protectedKeys.add(policy.current);

  for (const entry of entries) {
    if (protectedKeys.has(entry.key)) {
      plan.keep.push(entry);
    } else if (entry.status === 'good') {
      if (now - entry.time.getTime() > policy.retentionMs)
        plan.delete.push({
          entry,
          reason:
            entry.verification === 'failed'
              ? 'failed verification, older than the retention period'
              : 'older than the retention period',
        });
      else plan.keep.push(entry);
    } else if (now - entry.lastModified.getTime() > policy.staleMs) {
      plan.delete.push({
        entry,
        reason:
          entry.status === 'incomplete'
            ? 'no manifest (incomplete backup)'
            : 'manifest or records without their object',
      });
    } else {
      plan.keep.push(entry);
    }
  }
  plan.abort = uploads.filter((u) => now - u.initiated.getTime() > policy.staleMs);
  return plan;
}
