import { context as runnerContext } from '@actions/github';
import { runRepository } from '../github/run-context';
import { runCommand } from '../system/exec';
import type { GitContext } from './tags';

/** The part of @actions/github's context (read from the runner's GITHUB_* variables) used here. */
export type GitHubContext = Pick<typeof runnerContext, 'ref' | 'sha' | 'payload' | 'serverUrl' | 'repo'>;

/**
 * The git facts tags and labels come from. On GitHub: @actions/github's context (GITHUB_REF,
 * GITHUB_SHA, the repository and the event's `repository.default_branch`). Elsewhere (an
 * operator's checkout): `git` in the working directory. `defaultBranch` (an input) wins.
 */
export async function readGitContext(
  cwd: string,
  defaultBranch?: string,
  github: GitHubContext = runnerContext,
): Promise<GitContext> {
  const repository = runRepository(github);
  const context: GitContext = {
    ref: github.ref || undefined,
    sha: github.sha || undefined,
    defaultBranch: defaultBranch ?? (github.payload.repository?.default_branch as string | undefined),
    sourceUrl: repository ? `${github.serverUrl}/${repository}` : undefined,
  };
  if (!context.sha) context.sha = await git(cwd, ['rev-parse', 'HEAD']);
  if (!context.ref && !github.sha) context.ref = await git(cwd, ['symbolic-ref', '-q', 'HEAD']);
  if (!context.sourceUrl)
    context.sourceUrl = webUrl(await git(cwd, ['config', '--get', 'remote.origin.url']));
  return context;
}

/** One line of git output, or undefined when git or the repository is missing. */
async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const result = await runCommand(['git', ...args], { cwd, allowFailure: true, timeoutMs: 10_000 });
    return result.code === 0 ? result.stdout.trim() || undefined : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A remote URL as a web URL: `git@github.com:org/repo.git` and
 * `https://user:token@github.com/org/repo.git` both become `https://github.com/org/repo`
 * (credentials are never copied into a label).
 */
export function webUrl(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(?:\.git)?\/?$/.exec(remote);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    if (!['http:', 'https:', 'ssh:', 'git:'].includes(url.protocol)) return undefined;
    return `https://${url.hostname}${url.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '')}`;
  } catch {
    return undefined;
  }
}
