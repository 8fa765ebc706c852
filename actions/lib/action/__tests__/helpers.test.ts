import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { formatBytes, formatDuration, parseDuration } from '../duration';
import { backoffDelay, retry } from '../../system/retry';
import { quietRuntimeWarnings, run } from '../run';
import { maskSecret, redact } from '../secrets';
import { table } from '../summary';
import type { Core } from '../core';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['30d', 2_592_000_000],
    ['1.5s', 1_500],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 's', '5 m', '-5s', '5w', '1e3s'])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats durations and bytes for people', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_345)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12.0 MiB');
  });
});

describe('retry', () => {
  it('grows delays exponentially, with jitter, under the cap', () => {
    const options = { attempts: 5, delayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0.5 };
    expect(backoffDelay(1, options, () => 0)).toBe(100);
    expect(backoffDelay(3, options, () => 0)).toBe(400);
    expect(backoffDelay(3, options, () => 1)).toBe(600);
    expect(backoffDelay(10, options, () => 1)).toBe(1_000);
  });

  it('retries until success and reports each retry', async () => {
    const onRetry = vi.fn();
    let calls = 0;
    const value = await retry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return 'ok';
      },
      { attempts: 5, delayMs: 1, onRetry },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(onRetry).toHaveBeenCalledTimes(2);
  });

  it('rethrows the last error when attempts run out', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error(`fail ${calls}`);
        },
        { attempts: 3, delayMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
  });
});

describe('run', () => {
  it('turns a thrown error into one setFailed message', async () => {
    const setFailed = vi.fn();
    await run({ setFailed } as unknown as Core, async () => {
      throw new Error('the schema is missing');
    });
    expect(setFailed).toHaveBeenCalledWith('the schema is missing');
  });

  it('sends Node runtime warnings to the debug log, so a dependency warning never follows the error', async () => {
    const target = new EventEmitter() as unknown as NodeJS.Process;
    const printed: string[] = [];
    target.on('warning', (w: Error) => printed.push(`stderr: ${w.name}`)); // Node's default printer
    const debug = vi.fn();
    quietRuntimeWarnings({ debug }, target);
    const warning = Object.assign(new Error('Buffer() is deprecated'), { name: 'DeprecationWarning' });
    target.emit('warning', warning);
    expect(printed).toEqual([]);
    expect(debug).toHaveBeenCalledWith('Node.js DeprecationWarning: Buffer() is deprecated');
  });

  it('does not fail when main succeeds', async () => {
    const setFailed = vi.fn();
    await run({ setFailed } as unknown as Core, async () => {});
    expect(setFailed).not.toHaveBeenCalled();
  });
});

describe('secrets', () => {
  it('redacts every secret, longest first', () => {
    expect(redact('user=admin pass=hunter22 again hunter22', ['hunter22', 'hunter2', undefined])).toBe(
      'user=admin pass=*** again ***',
    );
  });

  it('ignores empty secrets when masking', () => {
    const setSecret = vi.fn();
    maskSecret({ setSecret }, '');
    maskSecret({ setSecret }, undefined);
    expect(setSecret).not.toHaveBeenCalled();
  });
});

describe('summary table', () => {
  it('marks the first row as headers and stringifies cells', () => {
    expect(table(['a', 'b'], [[1, true]])).toEqual([
      [
        { data: 'a', header: true },
        { data: 'b', header: true },
      ],
      ['1', 'true'],
    ]);
  });
});
