import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

const MiB = 1024 * 1024;
const MAX_PART = 5 * 1024 * MiB;

/**
 * Part size for part number `n` (1-based): 8 MiB for the first 1000 parts, doubling every
 * 1000 parts after, so memory stays small for usual databases and the 10,000-part limit
 * still allows ~7.8 TiB.
 */
export function partSizeFor(n: number, base = 8 * MiB): number {
  return Math.min(MAX_PART, base * 2 ** Math.floor((n - 1) / 1000));
}

export interface UploadOptions {
  contentType?: string;
  /** Parts in flight at once; memory is about (concurrency + 1) × part size. */
  concurrency?: number;
  basePartSize?: number;
}

export interface UploadedObject {
  size: number;
  sha256: string;
  parts: number;
}

/**
 * A streaming upload with constant memory. It starts a multipart upload only once a full
 * part exists (a failure before that leaves nothing in the store; a small object becomes
 * one PutObject), and it never completes on its own: the caller calls `complete()` only
 * after every producer succeeded, and `abort()` otherwise.
 */
export class StreamUpload {
  private readonly hash = createHash('sha256');
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private size = 0;
  private uploadId?: string;
  private readonly parts: CompletedPart[] = [];
  private nextPart = 1;
  private readonly inFlight = new Set<Promise<void>>();
  private failure?: unknown;
  private state: 'open' | 'completed' | 'aborted' = 'open';

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
    private readonly options: UploadOptions = {},
  ) {}

  get bytes(): number {
    return this.size;
  }

  get multipartUploadId(): string | undefined {
    return this.uploadId;
  }

  /** Adds data; resolves when the caller may send more (back-pressure on part uploads). */
  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    this.hash.update(chunk);
    this.size += chunk.length;
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const partSize = partSizeFor(this.nextPart, this.options.basePartSize);
    if (this.bufferedBytes >= partSize) await this.sendPart(this.takeBuffered());
  }

  /** Uploads what is left and completes the object. Call only when the data is known to be whole. */
  async complete(): Promise<UploadedObject> {
    this.throwIfFailed();
    const rest = this.takeBuffered();
    if (this.uploadId === undefined) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: rest,
          ContentType: this.options.contentType,
        }),
      );
    } else {
      if (rest.length > 0) await this.sendPart(rest);
      await Promise.all(this.inFlight);
      this.throwIfFailed();
      const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    }
    this.state = 'completed';
    return { size: this.size, sha256: this.hash.digest('hex'), parts: Math.max(1, this.parts.length) };
  }

  /**
   * Abandons the upload: waits for parts in flight, then aborts the multipart upload.
   * Returns a warning when the store refused the abort (s3rver does not implement it),
   * so the caller can report it; retention aborts stale uploads on stores that list them.
   */
  async abort(): Promise<string | undefined> {
    if (this.state !== 'open') return undefined;
    this.state = 'aborted';
    this.buffered = [];
    await Promise.allSettled(this.inFlight);
    if (this.uploadId === undefined) return undefined;
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }),
      );
      return undefined;
    } catch (error) {
      const name = (error as Error)?.name ?? 'error';
      return `could not abort multipart upload ${this.uploadId} of ${this.key} (${name}); its parts stay until retention or the bucket's AbortIncompleteMultipartUpload lifecycle rule removes them`;
    }
  }

  private takeBuffered(): Buffer {
    const data = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    return data;
  }

  private async sendPart(body: Buffer): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          ContentType: this.options.contentType,
        }),
      );
      if (!created.UploadId) throw new Error(`The store returned no upload id for ${this.key}.`);
      this.uploadId = created.UploadId;
    }
    const partNumber = this.nextPart++;
    const uploadId = this.uploadId;
    const sending: Promise<void> = this.s3
      .send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      )
      .then((answer) => {
        this.parts.push({ PartNumber: partNumber, ETag: answer.ETag });
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    while (this.inFlight.size >= (this.options.concurrency ?? 2)) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open') throw new Error(`The upload of ${this.key} is already ${this.state}.`);
  }
}
