// A store that accepts connections and never answers (as the stack's s3rver once did when its
// runtime deadlocked) must fail requests, not hang them.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, listObjects } from '../s3';

let silent: Server;
const sockets: Socket[] = [];
let requestsSeen = 0;

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => (requestsSeen += 1)); // reads the request, never answers
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe('createS3Client', () => {
  it('fails a request the store never answers, after retrying it', async () => {
    const { port } = silent.address() as AddressInfo;
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const s3 = createS3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      idleTimeoutMs: 300,
    });
    const started = Date.now();
    await expect(listObjects(s3, 'bucket', 'prefix/')).rejects.toThrow(/timeout|timed out/i);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(requestsSeen).toBe(3); // maxAttempts
  });
});
