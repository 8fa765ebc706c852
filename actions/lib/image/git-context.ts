import { readFileSync } from 'node:fs';
import { runCommand } from '../system/exec';
import type { GitContext } from './tags';

/**
 * The git facts tags and labels come from. On GitHub: GITHUB_REF, GITHUB_SHA, the
 * repository URL and the event's `repository.default_branch`. Elsewhere (an operator's
 * checkout): `git` in the working directory. `defaultBranch` (an input) wins.
 */
export async function readGitContext(
  env: NodeJS.ProcessEnv,
  cwd: string,
  defaultBranch?: string,
): Promise<GitContext> {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const context: GitContext = {
    ref: env.GITHUB_REF || undefined,
    sha: env.GITHUB_SHA || undefined,
    defaultBranch: defaultBranch ?? event?.repository?.default_branch,
    sourceUrl:
      env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
        : undefined,
  };
  if (!context.sha) context.sha = await git(cwd, ['rev-parse', 'HEAD']);
  if (!context.ref && !env.GITHUB_SHA) context.ref = await git(cwd, ['symbolic-ref', '-q', 'HEAD']);
  if (!context.sourceUrl)
    context.sourceUrl = webUrl(await git(cwd, ['config', '--get', 'remote.origin.url']));
  return context;
}

interface PushEvent {
  repository?: { default_branch?: string };
}

function readEvent(path: string | undefined): PushEvent | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PushEvent;
  } catch {
    return undefined;
  }
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
