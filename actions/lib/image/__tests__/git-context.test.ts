import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context as runnerContext } from '@actions/github';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../system/exec';
import { readGitContext } from '../git-context';

let repo: string;
let sha: string;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'dbp-git-'));
  const git = (...args: string[]) => runCommand(['git', '-C', repo, ...args]);
  await git('init', '-q', '-b', 'feature/login');
  await git(
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@example.com',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'x',
  );
  await git('remote', 'add', 'origin', 'https://x-access-token:s3cret@github.com/org/repo.git');
  sha = (await git('rev-parse', 'HEAD')).stdout.trim();
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

const RUNNER_VARIABLES = [
  'GITHUB_REF',
  'GITHUB_SHA',
  'GITHUB_EVENT_PATH',
  'GITHUB_SERVER_URL',
  'GITHUB_REPOSITORY',
];

/** A new @actions/github context (its own class), hydrated from these runner variables only. */
function contextFrom(env: Record<string, string>) {
  for (const name of RUNNER_VARIABLES) vi.stubEnv(name, env[name]);
  const Context = runnerContext.constructor as new () => typeof runnerContext;
  return new Context();
}

describe('readGitContext', () => {
  it('falls back to the local checkout outside GitHub', async () => {
    expect(await readGitContext(repo, undefined, contextFrom({}))).toEqual({
      ref: 'refs/heads/feature/login',
      sha,
      defaultBranch: undefined,
      sourceUrl: 'https://github.com/org/repo',
    });
  });

  it('prefers the runner’s variables and the event’s default branch', async () => {
    const event = join(repo, 'event.json');
    writeFileSync(event, JSON.stringify({ repository: { default_branch: 'trunk' } }));
    const env = {
      GITHUB_REF: 'refs/heads/trunk',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_EVENT_PATH: event,
      GITHUB_SERVER_URL: 'https://github.example.com',
      GITHUB_REPOSITORY: 'acme/app',
    };
    const context = contextFrom(env);
    expect(await readGitContext(repo, undefined, context)).toEqual({
      ref: 'refs/heads/trunk',
      sha: 'f'.repeat(40),
      defaultBranch: 'trunk',
      sourceUrl: 'https://github.example.com/acme/app',
    });
    expect((await readGitContext(repo, 'main', context)).defaultBranch).toBe('main');
  });

  it('has no commit outside a repository', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'dbp-nogit-'));
    try {
      expect((await readGitContext(empty, undefined, contextFrom({}))).sha).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
