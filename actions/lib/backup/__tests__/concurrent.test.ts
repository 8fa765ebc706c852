import { describe, expect, it } from 'vitest';
import { allOrStop } from '../concurrent';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failAfter = (ms: number, message: string) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms));

/** A task that runs until `stop` aborts, then fails with "stopped" (like an aborted download). */
function untilStopped(stop: AbortController, finished: string[]): Promise<string> {
  return new Promise((_, reject) =>
    stop.signal.addEventListener('abort', () =>
      setTimeout(() => {
        finished.push('stopped task');
        reject(new Error('stopped'));
      }, 5),
    ),
  );
}

describe('allOrStop', () => {
  it('returns every value in order when all succeed', async () => {
    const stop = new AbortController();
    await expect(allOrStop(stop, [after(5, 'a'), after(1, 2)])).resolves.toEqual(['a', 2]);
    expect(stop.signal.aborted).toBe(false);
  });

  it('throws the first failure in time, after stopping the others and waiting for them', async () => {
    const stop = new AbortController();
    const finished: string[] = [];
    const result = allOrStop(stop, [
      untilStopped(stop, finished),
      after(1, 'connection'),
      failAfter(10, 'target is not empty'),
    ]);
    await expect(result).rejects.toThrow('target is not empty');
    expect(stop.signal.aborted).toBe(true);
    expect(finished).toEqual(['stopped task']); // settled before allOrStop returned
  });
});
