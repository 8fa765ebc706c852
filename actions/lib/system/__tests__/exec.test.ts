import { describe, expect, it } from 'vitest';
import { CommandError } from '../command-error';
import { runCommand } from '../exec';

const node = process.execPath;

describe('runCommand', () => {
  it('passes argv verbatim, without a shell', async () => {
    const tricky = ['$(touch /tmp/never)', "it's", 'a b', '; echo pwned'];
    const result = await runCommand([
      node,
      '-e',
      'console.log(JSON.stringify(process.argv.slice(1)))',
      ...tricky,
    ]);
    expect(JSON.parse(result.stdout)).toEqual(tricky);
    expect(result.code).toBe(0);
  });

  it('writes stdin and closes it', async () => {
    const result = await runCommand(['cat'], { stdin: 'secret-from-stdin\n' });
    expect(result.stdout).toBe('secret-from-stdin\n');
  });

  it('uses the given env and cwd', async () => {
    const result = await runCommand(
      [node, '-e', 'console.log(process.env.ONLY_THIS + " " + process.cwd())'],
      {
        env: { ONLY_THIS: 'yes' },
        cwd: '/tmp',
      },
    );
    expect(result.stdout.trim()).toBe('yes /tmp');
  });

  it('hands complete lines of both streams to onLine', async () => {
    const lines: string[] = [];
    await runCommand(
      [
        node,
        '-e',
        'process.stdout.write("a\\nb"); process.stderr.write("e1\\n"); process.stdout.write("c\\n")',
      ],
      {
        onLine: (line, stream) => lines.push(`${stream}:${line}`),
      },
    );
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:bc']);
    expect(lines).toContain('stderr:e1');
  });

  it('throws a CommandError with the exit code and the stderr tail', async () => {
    const error = await runCommand([node, '-e', 'console.error("boom: details"); process.exit(3)']).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(CommandError);
    expect(error.code).toBe(3);
    expect(error.message).toContain('exited with code 3');
    expect(error.message).toContain('boom: details');
  });

  it('resolves on failure with allowFailure', async () => {
    const result = await runCommand(['sh', '-c', 'exit 7'], { allowFailure: true });
    expect(result.code).toBe(7);
  });

  it('redacts secrets from the error message', async () => {
    const error = await runCommand(
      [node, '-e', 'console.error("bad password hunter2-canary"); process.exit(1)'],
      {
        secrets: ['hunter2-canary'],
      },
    ).catch((e) => e);
    expect(error.message).not.toContain('hunter2-canary');
    expect(error.message).toContain('***');
  });

  it('explains a missing program', async () => {
    const error = await runCommand(['definitely-not-a-program-xyz', '--help']).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.message).toContain('was not found on PATH');
  });

  it('kills a command that runs too long', async () => {
    const started = Date.now();
    const error = await runCommand(['sleep', '10'], { timeoutMs: 200 }).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
