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
  /** Branch (and tag) name patterns allowed to deploy; empty or absent: any. */
  'deployment-branches'?: string[];
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

/** GitHub's deployment branch policy: fnmatch-like patterns (`*` within a segment, `**` across). */
export function branchAllowed(file: EnvironmentsFile, name: string, refName: string): boolean {
  const patterns = file.environments[name]?.['deployment-branches'];
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((pattern) => branchMatches(pattern, refName));
}
