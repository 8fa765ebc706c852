// Untrusted output passes through the runner's command parsing (the engine's model of it,
// workflows/src/run/workflow-commands.ts) without any command inside it taking effect.
import { describe, expect, it } from 'vitest';
import { Masker } from '../workflows/src/masker';
import { Reporter } from '../workflows/src/run/reporter';
import { CommandProcessor } from '../workflows/src/run/workflow-commands';
import type { Annotation } from '../workflows/src/run/types';
import { groupUntrusted, printUntrusted } from '../actions/lib/action/untrusted-output';

const HOSTILE = [
  'GET /health 200',
  '::add-mask::-',
  '::set-output name=version::evil',
  '::error title=fake::the deploy failed',
  '  ::warning::indented still counts',
  '::stop-commands::guessed',
  '::guessed::',
  '::endgroup::',
].join('\n');

/** A runner as the engine models it: every printed line goes through its command processor. */
function runner() {
  const masker = new Masker();
  const printed: string[] = [];
  const annotations: Annotation[] = [];
  const processor = new CommandProcessor({
    masker,
    reporter: new Reporter(masker, (text) => printed.push(text.trimEnd())),
    annotations,
    job: 'deploy',
    step: 'deploy-ssh',
    env: {},
  });
  const core = {
    info: (message: string) => message.split('\n').forEach((line) => processor.line(line)),
    group: async <T>(title: string, fn: () => Promise<T>) => {
      core.info(`::group::${title}`);
      try {
        return await fn();
      } finally {
        core.info('::endgroup::');
      }
    },
  };
  return { core, printed, annotations, masker, processor };
}

describe('untrusted output', () => {
  it('is the proof: printed raw, its commands would run', () => {
    const { core, annotations, masker, processor } = runner();
    core.info(HOSTILE);
    expect(masker.size).toBe(1);
    expect(processor.effects.outputs).toEqual({ version: 'evil' });
    expect(annotations.length).toBeGreaterThan(0);
  });

  it('printUntrusted shows every line and runs none of its commands, then commands work again', () => {
    const { core, printed, annotations, masker, processor } = runner();
    printUntrusted(core, HOSTILE);
    expect(masker.size).toBe(0);
    expect(processor.effects.outputs).toEqual({});
    expect(annotations).toEqual([]);
    for (const line of HOSTILE.split('\n')) expect(printed.join('\n')).toContain(line);
    core.info('::add-mask::after-the-block');
    expect(masker.size).toBe(1);
  });

  it('groupUntrusted streams lines inside a group with commands off, with a new token each time', async () => {
    const { core, printed, masker, processor } = runner();
    const tokens: string[] = [];
    const spy = {
      ...core,
      info: (message: string) => {
        const token = /^::stop-commands::([0-9a-f]{32})$/.exec(message)?.[1];
        if (token) tokens.push(token);
        core.info(message);
      },
    };
    for (let i = 0; i < 2; i += 1)
      expect(
        await groupUntrusted(spy, 'Build api', async (print) => {
          for (const line of HOSTILE.split('\n')) print(line);
          return 'built';
        }),
      ).toBe('built');
    expect(masker.size).toBe(0);
    expect(processor.effects.outputs).toEqual({});
    expect(printed.filter((line) => line.includes('┌ Build api'))).toHaveLength(2);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  it('turns commands back on when the work throws', async () => {
    const { core, masker } = runner();
    await expect(
      groupUntrusted(core, 'Push', async (print) => {
        print('::add-mask::inside');
        throw new Error('push failed');
      }),
    ).rejects.toThrow('push failed');
    core.info('::add-mask::outside');
    expect(masker.size).toBe(1);
  });
});
