// The FIFO reader with real processes: data arrives whole and in order through a small
// in-place buffer with back-pressure, and a writer that never opens the FIFO cannot hang it.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFifo, readFifoInto, type InPlaceSink } from '../fifo';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fifo-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Collects into a 4 KiB buffer; every full buffer is "sent" after a short asynchronous wait. */
function collectingSink() {
  const received: Buffer[] = [];
  const buffer = Buffer.alloc(4096);
  let filled = 0;
  let waits = 0;
  const sink: InPlaceSink = {
    space: () => buffer.subarray(filled),
    commit: (n) => {
      filled += n;
      if (filled < buffer.length) return undefined;
      received.push(Buffer.from(buffer));
      filled = 0;
      waits += 1;
      return new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
  return {
    sink,
    data: () => Buffer.concat([...received, buffer.subarray(0, filled)]),
    waits: () => waits,
  };
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on('close', resolve));
}

describe('readFifoInto', () => {
  it('reads everything a process writes to the FIFO, in order, pausing while the sink is busy', async () => {
    const data = randomBytes(300_000 + 123);
    const source = join(dir, 'source.bin');
    writeFileSync(source, data);
    const fifo = await makeFifo(dir);
    const { sink, data: received, waits } = collectingSink();
    const exited = exitOf(spawn('dd', [`if=${source}`, `of=${fifo}`, 'bs=7000', 'status=none']));
    await readFifoInto(fifo, sink, exited);

    expect(await exited).toBe(0);
    expect(createHash('sha256').update(received()).digest('hex')).toBe(
      createHash('sha256').update(data).digest('hex'),
    );
    expect(waits()).toBe(Math.floor(data.length / 4096));
  });

  it('ends with no data when the writer dies before opening the FIFO', async () => {
    const fifo = await makeFifo(dir);
    const { sink, data } = collectingSink();
    await readFifoInto(fifo, sink, exitOf(spawn('sh', ['-c', 'exit 3'])));
    expect(data().length).toBe(0);
  });

  it('fails, instead of reading on, when the sink rejects', async () => {
    const fifo = await makeFifo(dir);
    const exited = exitOf(spawn('sh', ['-c', 'head -c 100000 /dev/zero > "$1"', 'sh', fifo]));
    const failing: InPlaceSink = {
      space: () => Buffer.alloc(1024),
      commit: () => Promise.reject(new Error('upload failed')),
    };
    await expect(readFifoInto(fifo, failing, exited)).rejects.toThrow('upload failed');
    expect(await exited).not.toBe(0); // its reader is gone: SIGPIPE / EPIPE
  });
});
