// StreamUpload against the stack's s3rver: the object is byte-identical whatever the chunking,
// memory stays at `concurrency` part buffers, nothing is stored before complete(), and an
// aborted upload leaves no parts behind (a private s3rver behind test/s3-multipart-shim.ts).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamUpload } from '../upload';
import { deletePrefix, getBytes, keys, s3For, stack, startS3rver } from '../../../../test/backup-fixture';

const MiB = 1024 * 1024;
const { env, awsEnv, bucket, endpoint } = stack();
const s3 = s3For(endpoint, { ...env, ...awsEnv } as Record<string, string>);
const prefix = `test-upload/${Date.now()}/`;

afterAll(() => deletePrefix(s3, bucket, prefix));

/** Feeds `data` in chunks of the given sizes (cycled), like a pipe would. */
async function feed(upload: StreamUpload, data: Buffer, chunkSizes: number[], seen: number[] = []) {
  for (let offset = 0, i = 0; offset < data.length; i += 1) {
    const end = Math.min(data.length, offset + chunkSizes[i % chunkSizes.length]!);
    await upload.write(data.subarray(offset, end));
    seen.push(upload.bufferBytes);
    offset = end;
  }
}

describe('StreamUpload', () => {
  it('stores a multipart object byte for byte, with part buffers bounded by concurrency', async () => {
    const data = randomBytes(23 * MiB + 12_345);
    const key = `${prefix}multipart.bin`;
    const upload = new StreamUpload(s3, bucket, key, { basePartSize: MiB, concurrency: 2 });
    const seen: number[] = [];
    // Odd chunk sizes so parts fill across chunk boundaries.
    await feed(upload, data, [65_536, 333_333, 1, 2 * MiB + 7], seen);
    expect(upload.multipartUploadId).toBeDefined();
    expect(await keys(s3, bucket, prefix)).toEqual([]); // not visible before complete()
    const stored = await upload.complete();

    expect(stored.size).toBe(data.length);
    expect(stored.parts).toBe(24);
    expect(stored.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await getBytes(s3, bucket, key)).equals(data)).toBe(true);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2 * MiB);
    expect(Math.max(...seen)).toBeGreaterThan(0);
  });

  it('stores a small object with one PutObject', async () => {
    const small = randomBytes(300_000);
    const smallKey = `${prefix}small/small.bin`;
    const upload = new StreamUpload(s3, bucket, smallKey, { basePartSize: MiB });
    await feed(upload, small, [65_536]);
    expect(upload.multipartUploadId).toBeUndefined();
    expect((await upload.complete()).parts).toBe(1);
    expect((await getBytes(s3, bucket, smallKey)).equals(small)).toBe(true);
    expect(await keys(s3, bucket, `${prefix}small/`)).toEqual([smallKey]);
  });

  it('aborts a multipart upload: its parts leave the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-abort-'));
    const own = await startS3rver(bucket, dir);
    try {
      const upload = new StreamUpload(s3For(own.endpoint, awsEnv), bucket, `${prefix}aborted.bin`, {
        basePartSize: MiB,
      });
      await feed(upload, randomBytes(3 * MiB + 5), [65_536]);
      expect(own.uploads().map((u) => u.uploadId)).toEqual([upload.multipartUploadId]);
      expect(await upload.abort()).toBeUndefined(); // no warning: the store aborted it
      await expect(upload.complete()).rejects.toThrow(/already aborted/);
      expect(own.uploads()).toEqual([]);
      expect(await keys(s3For(own.endpoint, awsEnv), bucket, prefix)).toEqual([]);
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
