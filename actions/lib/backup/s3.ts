import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { explainNetworkError, safeAddress, type Service } from '../system/network-error';

export interface S3Options {
  /** An S3-compatible endpoint (MinIO, R2, s3rver); empty for AWS. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** A request whose connection stays silent this long fails (default 60 s; retried like any error). */
  idleTimeoutMs?: number;
}

/**
 * An S3 client whose credentials come from the standard AWS chain (env, web identity
 * from GitHub OIDC, profile, instance role). Checksums are sent only when an operation
 * requires them: S3-compatible stores often reject the SDK's newer default CRC headers.
 * The SDK waits forever by default: a store that accepts a connection and then hangs would
 * hold a backup until the job's own timeout, hours later, so connections and silent
 * requests time out.
 */
export function createS3Client(options: S3Options = {}): S3Client {
  const region = options.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  const client = new S3Client({
    region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 10_000, socketTimeout: options.idleTimeoutMs ?? 60_000 },
  });
  // Around the retries: a store still unreachable after them is named, with its address.
  const service: Service = {
    name: 'S3 store',
    address: options.endpoint ? safeAddress(options.endpoint) : `AWS S3 (${region})`,
    hint: 'Check the `endpoint`/`region` inputs and that the store is up and reachable from the runner; nothing was changed in the store by this request.',
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw explainNetworkError(error, service);
      }
    },
    { step: 'initialize', name: 'explainNetworkErrors' },
  );
  return client;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** Every object under a prefix, following continuation tokens. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? [])
      if (item.Key)
        objects.push({ key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified ?? new Date(0) });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await answer.Body?.transformToString('utf8')) ?? '';
}

/** An object's body as a stream; `signal` aborts the request (and the body) early. */
export async function getStream(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<{ body: Readable; size: number }> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  if (!answer.Body) throw new Error(`s3://${bucket}/${key} has no body`);
  return { body: answer.Body as Readable, size: answer.ContentLength ?? 0 };
}

export async function putText(
  s3: S3Client,
  bucket: string,
  key: string,
  text: string,
  contentType = 'application/json',
): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }));
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

export interface IncompleteUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/**
 * Incomplete multipart uploads under a prefix, or `undefined` when the store does not
 * implement ListMultipartUploads (s3rver answers NotImplemented): callers then say so
 * and rely on the bucket's AbortIncompleteMultipartUpload lifecycle rule.
 */
export async function listIncompleteUploads(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<IncompleteUpload[] | undefined> {
  const uploads: IncompleteUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const u of page.Uploads ?? [])
        if (u.Key && u.UploadId)
          uploads.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated ?? new Date(0) });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  } catch (error) {
    if (isNotImplemented(error)) return undefined;
    throw error;
  }
  return uploads;
}

export async function abortUpload(
  s3: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
}

/** NotImplemented / MethodNotAllowed: the store lacks the operation (s3rver lacks several). */
export function isNotImplemented(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NotImplemented' ||
    e?.Code === 'NotImplemented' ||
    e?.name === 'MethodNotAllowed' ||
    e?.$metadata?.httpStatusCode === 501 ||
    e?.$metadata?.httpStatusCode === 405
  );
}
