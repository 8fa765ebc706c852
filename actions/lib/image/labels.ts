import type { GitContext } from './tags';

export const OCI = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
} as const;

/**
 * The OCI annotations every image gets (those that are known): where the code is,
 * which commit, which version and when it was built. Labels the user passes win.
 */
export function ociLabels(
  git: GitContext,
  version: string | undefined,
  created: Date,
): Record<string, string> {
  const labels: Record<string, string> = {};
  if (git.sourceUrl) labels[OCI.source] = git.sourceUrl;
  if (git.sha) labels[OCI.revision] = git.sha;
  if (version) labels[OCI.version] = version;
  labels[OCI.created] = created.toISOString();
  return labels;
}

/** Splits `KEY=value` lines at the first `=` (a value may hold more of them). */
export function parseKeyValues(lines: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of lines) {
    const eq = line.indexOf('=');
    result[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return result;
}

/** `KEY=value` with a build-arg name (what an `ARG` line accepts). */
export const BUILD_ARG_LINE = /^[A-Za-z_][A-Za-z0-9_]*=.*$/s;
/** `key=value` with a label key in reverse-DNS style (`org.opencontainers.image.title`). */
export const LABEL_LINE = /^[A-Za-z0-9][A-Za-z0-9._/-]*=.*$/s;
