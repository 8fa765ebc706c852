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
import type { InPlaceSink } from './fifo';

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
  /**
   * Parts uploading at once (default 2). The writer waits while that many are in flight, so
   * the part buffers, the upload's memory, never exceed concurrency × part size.
   */
  concurrency?: number;
  basePartSize?: number;
}

export interface UploadedObject {
  size: number;
  sha256: string;
  parts: number;
}

/** A part being filled: a buffer of the part size and how much of it holds data. */
interface Part {
  buffer: Buffer;
  filled: number;
}

/**
 * A streaming upload with constant memory. Data is copied into at most `concurrency` part
 * buffers that are allocated once and reused, so memory neither grows with the object
 * nor churns (freed multi-MiB buffers make glibc raise its mmap threshold, and RSS then
 * keeps what the heap once held). It starts a multipart upload only once a full part
 * exists (a failure before that leaves nothing in the store; a small object becomes one
 * PutObject), and it never completes on its own: the caller calls `complete()` only after
 * every producer succeeded, and `abort()` otherwise.
 */
export class StreamUpload implements InPlaceSink {
  private readonly hash = createHash('sha256');
  private size = 0;
  private current?: Part;
  /** Buffers of the current part size not in use; more are allocated up to the limit. */
  private spare: Buffer[] = [];
  private allocatedBytes = 0;
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

  /** Bytes of part buffers allocated so far: the upload's memory, whatever the object's size. */
  get bufferBytes(): number {
    return this.allocatedBytes;
  }

  /** Adds data; resolves when the caller may send more (back-pressure on part uploads). */
  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    for (let offset = 0; offset < chunk.length;) {
      const copied = chunk.copy(this.space(), 0, offset);
      offset += copied;
      await this.commit(copied);
    }
  }

  /** The free end of the part being filled, for a reader that writes in place (then `commit`). */
  space(): Buffer {
    const part = (this.current ??= { buffer: this.takeBuffer(), filled: 0 });
    return part.buffer.subarray(part.filled);
  }

  /**
   * Records `n` bytes written at the start of `space()`. When that fills the part, the part
   * is sent and the returned promise resolves once the next part may be filled (it rejects
   * when an upload failed). Never throws: readers call it from I/O callbacks.
   */
  commit(n: number): Promise<void> | undefined {
    const part = this.current!;
    this.hash.update(part.buffer.subarray(part.filled, part.filled + n));
    part.filled += n;
    this.size += n;
    if (part.filled < part.buffer.length) return undefined;
    this.current = undefined;
    return this.sendPart(part);
  }

  /** Uploads what is left and completes the object. Call only when the data is known to be whole. */
  async complete(): Promise<UploadedObject> {
    this.throwIfFailed();
    const rest = this.current;
    this.current = undefined;
    if (this.uploadId === undefined) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: rest ? rest.buffer.subarray(0, rest.filled) : Buffer.alloc(0),
          ContentType: this.options.contentType,
        }),
      );
    } else {
      if (rest && rest.filled > 0) await this.sendPart(rest);
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
    this.releaseBuffers();
    return { size: this.size, sha256: this.hash.digest('hex'), parts: Math.max(1, this.parts.length) };
  }

  /**
   * Abandons the upload: waits for parts in flight, then aborts the multipart upload.
   * Returns a warning when the store refused the abort, so the caller can report it;
   * retention aborts stale uploads on stores that list them.
   */
  async abort(): Promise<string | undefined> {
    if (this.state !== 'open') return undefined;
    this.state = 'aborted';
    await Promise.allSettled(this.inFlight);
    this.releaseBuffers();
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

  private partSize(): number {
    return partSizeFor(this.nextPart, this.options.basePartSize);
  }

  /** A free buffer for the next part: a spare one of the right size, else a new one. */
  private takeBuffer(): Buffer {
    const size = this.partSize();
    for (let spare = this.spare.pop(); spare; spare = this.spare.pop()) {
      if (spare.length === size) return spare;
      this.allocatedBytes -= spare.length; // the part size doubled: smaller buffers are dropped
    }
    this.allocatedBytes += size;
    return Buffer.allocUnsafeSlow(size);
  }

  private releaseBuffers(): void {
    this.spare = [];
    this.current = undefined;
    this.allocatedBytes = 0;
  }

  private async sendPart(part: Part): Promise<void> {
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
          Body: part.buffer.subarray(0, part.filled),
        }),
      )
      .then((answer) => {
        this.parts.push({ PartNumber: partNumber, ETag: answer.ETag });
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.inFlight.delete(sending);
        // The SDK is done with the buffer (retries included): the next part may reuse it.
        if (this.state === 'open') this.spare.push(part.buffer);
      });
    this.inFlight.add(sending);
    while (this.inFlight.size >= (this.options.concurrency ?? 2)) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.state !== 'open') throw new Error(`The upload of ${this.key} is already ${this.state}.`);
  }
}
