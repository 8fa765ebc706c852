import { TAG } from './image-name';

/** What the tags are derived from: the GitHub run's ref and commit, or the local checkout. */
export interface GitContext {
  /** Full ref: `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/12/merge`; undefined when detached. */
  ref?: string;
  /** Full commit SHA. */
  sha?: string;
  /** The repository's default branch; `latest` is only given to builds of it. */
  defaultBranch?: string;
  /** Web URL of the repository, for `org.opencontainers.image.source`. */
  sourceUrl?: string;
}

export interface Semver {
  major: string;
  minor: string;
  patch: string;
  prerelease?: string;
  /** `1.2.3`, `1.2.3-rc.1`; build metadata (`+x`) is dropped: `+` is not allowed in a tag. */
  version: string;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseSemver(text: string): Semver | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const [, major, minor, patch, prerelease] = match as unknown as [string, string, string, string, string?];
  const version = `${major}.${minor}.${patch}${prerelease ? `-${prerelease}` : ''}`;
  return { major, minor, patch, prerelease, version };
}

/**
 * Makes any text a valid tag the way docker/metadata-action does: runs of other
 * characters become `-`, leading `.`/`-` are dropped, at most 128 characters.
 * Undefined when nothing usable is left.
 */
export function sanitizeTag(text: string): string | undefined {
  const tag = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
  return TAG.test(tag) ? tag : undefined;
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

const BRANCH = /^refs\/heads\/(.+)$/;
const GIT_TAG = /^refs\/tags\/(.+)$/;
const PULL = /^refs\/pull\/(\d+)\/(?:merge|head)$/;

/**
 * The tags a build gets from git, like docker/metadata-action's defaults:
 * - `sha-<7 hex>` for every build with a commit;
 * - a branch build: the branch name made tag-safe, plus `latest` on the default branch only;
 * - a `v1.2.3` git tag: `1.2.3` and `1.2` (pre-releases get only the full version);
 *   any other git tag: its name made tag-safe;
 * - a pull request: `pr-<number>`.
 */
export function defaultTags(git: GitContext): string[] {
  const tags: string[] = [];
  const add = (tag: string | undefined) => tag && !tags.includes(tag) && tags.push(tag);
  const ref = git.ref ?? '';

  const branch = BRANCH.exec(ref)?.[1];
  const gitTag = GIT_TAG.exec(ref)?.[1];
  const pull = PULL.exec(ref)?.[1];
  if (branch) {
    add(sanitizeTag(branch));
    if (git.defaultBranch && branch === git.defaultBranch) add('latest');
  } else if (gitTag) {
    const semver = gitTag.startsWith('v') ? parseSemver(gitTag) : undefined;
    if (semver) {
      add(semver.version);
      if (!semver.prerelease) add(`${semver.major}.${semver.minor}`);
    } else {
      add(sanitizeTag(gitTag));
    }
  } else if (pull) {
    add(`pr-${pull}`);
  }
  if (git.sha && /^[0-9a-f]{7,64}$/.test(git.sha)) add(`sha-${shortSha(git.sha)}`);
  return tags;
}

/** The version a build represents, for `org.opencontainers.image.version`. */
export function versionOf(git: GitContext): string | undefined {
  const gitTag = GIT_TAG.exec(git.ref ?? '')?.[1];
  if (gitTag) return parseSemver(gitTag)?.version ?? sanitizeTag(gitTag);
  const branch = BRANCH.exec(git.ref ?? '')?.[1];
  if (branch) return sanitizeTag(branch);
  return git.sha ? `sha-${shortSha(git.sha)}` : undefined;
}

/** `image:tag` for each tag, without duplicates. */
export function imageRefs(image: string, tags: string[]): string[] {
  return [...new Set(tags)].map((tag) => `${image}:${tag}`);
}
