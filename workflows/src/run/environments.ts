import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { branchMatches } from './branches';

/**
 * The protection rules of each deployment environment, the same file that
 * `scripts/setup-environments` applies to GitHub. The engine enforces two of them
 * locally: required reviewers (the approval gate) and deployment branches.
 */
export interface EnvironmentConfig {
  reviewers?: { users?: string[]; teams?: string[] };
  'prevent-self-review'?: boolean;
  'wait-timer'?: number;
  /** Branch name patterns allowed to deploy (GitHub's policies of `type: branch`). */
  'deployment-branches'?: string[];
  /** Tag name patterns allowed to deploy (`type: tag`). With neither list: any ref. */
  'deployment-tags'?: string[];
  variables?: Record<string, string>;
}

export interface EnvironmentsFile {
  environments: Record<string, EnvironmentConfig>;
}

export function loadEnvironments(path: string): EnvironmentsFile {
  if (!existsSync(path)) return { environments: {} };
  const parsed = parse(readFileSync(path, 'utf8')) as EnvironmentsFile | null;
  return { environments: parsed?.environments ?? {} };
}

/**
 * Whether a job naming this environment waits for a reviewer. An environment the file does not
 * declare has no rules, as on GitHub (a job naming a missing environment creates it without
 * protection); `pipeline check` flags such a name in our workflows instead.
 */
export function requiresApproval(file: EnvironmentsFile, name: string): boolean {
  const config = file.environments[name];
  if (!config) return false;
  const reviewers = config.reviewers ?? {};
  return (reviewers.users?.length ?? 0) + (reviewers.teams?.length ?? 0) > 0;
}

/**
 * GitHub's deployment branch and tag policies: fnmatch-like patterns (`*` within a segment, `**`
 * across); a branch is checked against the branch policies only, a tag against the tag policies only.
 * Without any policy every ref may deploy.
 */
export function branchAllowed(
  file: EnvironmentsFile,
  name: string,
  refName: string,
  refType: 'branch' | 'tag' = 'branch',
): boolean {
  const config = file.environments[name];
  const branches = config?.['deployment-branches'] ?? [];
  const tags = config?.['deployment-tags'] ?? [];
  if (branches.length === 0 && tags.length === 0) return true;
  return (refType === 'tag' ? tags : branches).some((pattern) => branchMatches(pattern, refName));
}
