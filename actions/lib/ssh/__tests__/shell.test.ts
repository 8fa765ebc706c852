import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../shell';

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote(['podman', 'run', '--name', 'app-1.2.3', '-e', 'PORT=3001'])).toBe(
      'podman run --name app-1.2.3 -e PORT=3001',
    );
    expect(shellQuote(['echo', "it's", ''])).toBe(`echo 'it'\\''s' ''`);
  });

  it.each([
    ['metacharacters', ['x; rm -rf /', '$(id)', '`id`', 'a|b', 'a&b', '>out', '*', '~']],
    ['quotes and backslashes', [`'`, `"`, `\\`, `a'b"c\\d`]],
    ['whitespace and newlines', [' ', 'a b', 'line1\nline2', '\t']],
    ['unicode and empty strings', ['héllo', '', '🙂']],
  ])('round-trips %s through sh', (_, args) => {
    const line = shellQuote(['printf', '%s\\0', ...args]);
    const out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(args);
  });

  it('refuses NUL bytes and empty commands', () => {
    expect(() => shellQuote(['a\0b'])).toThrow(/NUL/);
    expect(() => shellQuote([])).toThrow(/empty/);
  });
});
