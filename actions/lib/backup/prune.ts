import type { S3Client } from '@aws-sdk/client-s3';
import { abortUpload, deleteObject, listIncompleteUploads } from './s3';
import { listBackups } from './catalog';
import type { Log } from '../action/core';
import { planRetention, type RetentionPlan, type RetentionPolicy } from './retention';

export interface PruneResult {
  plan: RetentionPlan;
  deleted: string[];
  aborted: string[];
  notes: string[];
}

/** Applies the retention plan: sidecars (manifests last) go before their objects, so a half-done delete never looks good. */
export async function pruneBackups(
  s3: S3Client,
  bucket: string,
  prefix: string,
  policy: RetentionPolicy,
  log: Log,
): Promise<PruneResult> {
  const entries = await listBackups(s3, bucket, prefix);
  const uploads = await listIncompleteUploads(s3, bucket, prefix);
  const notes: string[] = [];
  if (uploads === undefined)
    notes.push(
      'this store does not implement ListMultipartUploads: stale incomplete uploads are left to the bucket lifecycle rule',
    );
  const plan = planRetention(entries, uploads ?? [], policy);
  const result: PruneResult = { plan, deleted: [], aborted: [], notes };
  for (const { entry, reason } of plan.delete) {
    try {
      for (const sidecar of entry.sidecars) await deleteObject(s3, bucket, sidecar);
      if (entry.status !== 'orphan-manifest') await deleteObject(s3, bucket, entry.key);
      result.deleted.push(entry.key);
      log.info(`retention: deleted ${entry.key} (${reason})`);
    } catch (error) {
      log.warning(`retention: could not delete ${entry.key}: ${(error as Error).name}`);
    }
  }
  for (const upload of plan.abort) {
    try {
      await abortUpload(s3, bucket, upload.key, upload.uploadId);
      result.aborted.push(upload.uploadId);
      log.info(`retention: aborted stale multipart upload ${upload.uploadId} of ${upload.key}`);
    } catch (error) {
      log.warning(`retention: could not abort upload ${upload.uploadId}: ${(error as Error).name}`);
    }
  }
  for (const note of notes) log.info(`retention: ${note}`);
  return result;
}
