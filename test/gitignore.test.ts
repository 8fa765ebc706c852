// .gitignore keeps environment files (secrets) out of git, and still tracks the examples.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-action';

/** Whether git would ignore `path` (exit 0 of `git check-ignore`; 1 = not ignored). */
function ignored(path: string): boolean {
  const result = spawnSync('git', ['check-ignore', '--no-index', '-q', path], { cwd: REPO_ROOT });
  if (result.status !== 0 && result.status !== 1) throw new Error(result.stderr.toString());
  return result.status === 0;
}

describe('.gitignore', () => {
  it('ignores .env files anywhere', () => {
    for (const path of ['.env', '.env.local', '.env.production', 'apps/api/.env', 'apps/web/.env.local'])
      expect(ignored(path), path).toBe(true);
  });

  it('keeps the examples tracked', () => {
    for (const path of ['apps/api/.env.example', '.env.example', 'apps/web/.env.local.example'])
      expect(ignored(path), path).toBe(false);
  });
});
