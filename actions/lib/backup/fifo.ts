import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Where a reader puts bytes: `space()` is the free end of its current buffer, `commit(n)`
 * records that n bytes were written there and returns a promise when the reader must wait
 * before filling more (back-pressure).
 */
export interface InPlaceSink {
  space(): Buffer;
  commit(n: number): Promise<void> | undefined;
}

/**
 * A named pipe the last process of a pipeline writes to (`age --output <path>`), read
 * straight into the sink's buffers through net.Socket's `onread`. Reading a child's stdout
 * allocates a new Buffer per 64 KiB chunk, and at hundreds of MiB/s those chunks wait for
 * the garbage collector: tens of MiB of RSS. Here no chunk is ever allocated.
 */
export async function makeFifo(dir: string): Promise<string> {
  const path = join(dir, 'output.fifo');
  await execFileAsync('mkfifo', ['-m', '600', path]);
  return path;
}

/**
 * Reads the FIFO until every writer has closed it. The read end is opened non-blocking, and
 * a write end is held open ("keeper") until the first data arrives or `writersGone`
 * settles: without it the reader would see end-of-file before the writer process opened
 * the FIFO, and with it forever a writer that died before opening it would leave the
 * reader waiting.
 */
export function readFifoInto(path: string, sink: InPlaceSink, writersGone: Promise<unknown>): Promise<void> {
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let keeper: number | undefined = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const releaseKeeper = () => {
    if (keeper === undefined) return;
    closeSync(keeper);
    keeper = undefined;
  };
  return new Promise<void>((resolve, reject) => {
    // `onread` on the constructor is documented (nodejs/node#54194); older @types/node lack it.
    const options: SocketConstructorOpts & { onread: OnReadOpts } = {
      fd: readFd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => sink.space(),
        callback: (n: number) => {
          releaseKeeper();
          const wait = sink.commit(n);
          if (!wait) return true;
          wait.then(
            () => socket.resume(),
            (error: unknown) => socket.destroy(error as Error),
          );
          return false; // paused until the sink has room again
        },
      },
    };
    const socket = new Socket(options);
    socket.on('end', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', (error) => {
      releaseKeeper();
      reject(error);
    });
    writersGone.then(releaseKeeper, releaseKeeper);
  });
}
