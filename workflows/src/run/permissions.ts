/**
 * GITHUB_TOKEN permissions as GitHub's workflow parser compares them
 * (actions/runner src/Sdk/WorkflowParser: Permissions.cs, PermissionsHelper.cs): the calling job's
 * permissions are the ceiling of every job of the workflow it calls, checked before any job starts.
 */
export type Level = 'none' | 'read' | 'write';
export type Permissions = Record<string, Level>;

/** The scopes in the order GitHub lists violations. */
export const SCOPES = [
  'actions',
  'artifact-metadata',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'statuses',
  'security-events',
  'id-token',
  'models',
  'vulnerability-alerts',
] as const;

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };

/** `read-all`, `write-all`, `{}` or a map; undefined when the YAML says nothing. */
export function parsePermissions(value: unknown): Permissions | undefined {
  if (value === undefined || value === null) return undefined;
  const all = (level: Level) => Object.fromEntries(SCOPES.map((scope) => [scope, level])) as Permissions;
  if (value === 'read-all') return { ...all('read'), models: 'read' };
  if (value === 'write-all') return { ...all('write'), models: 'read' };
  if (typeof value !== 'object') throw new Error(`permissions: unexpected value '${String(value)}'`);
  const result = all('none');
  for (const [scope, level] of Object.entries(value as Record<string, unknown>)) {
    if (!(SCOPES as readonly string[]).includes(scope))
      throw new Error(`permissions: unknown scope '${scope}'`);
    if (level !== 'read' && level !== 'write' && level !== 'none')
      throw new Error(`permissions: '${scope}' must be read, write or none`);
    result[scope] = level;
  }
  return result;
}

/**
 * The repository's default token when no YAML in the chain sets permissions: GitHub's restricted
 * default ("Read repository contents and packages permissions"), the default of new repositories
 * and organizations.
 */
export const RESTRICTED_DEFAULT: Permissions = {
  ...(Object.fromEntries(SCOPES.map((scope) => [scope, 'none'])) as Permissions),
  contents: 'read',
  packages: 'read',
};

/** GitHub's message for a called workflow (or one of its jobs) asking for more than its caller allows. */
export function ceilingViolation(
  uses: string,
  requested: Permissions,
  ceiling: Permissions,
  nestedJob?: string,
): string | undefined {
  const over = SCOPES.filter((scope) => RANK[requested[scope] ?? 'none'] > RANK[ceiling[scope] ?? 'none']);
  if (over.length === 0) return undefined;
  const requestedText = over.map((scope) => `${scope}: ${requested[scope]}`).join(', ');
  const allowedText = over.map((scope) => `${scope}: ${ceiling[scope] ?? 'none'}`).join(', ');
  const who = nestedJob ? `The nested job '${nestedJob}' is` : 'The workflow is';
  return `Error calling workflow '${uses}'. ${who} requesting '${requestedText}', but is only allowed '${allowedText}'.`;
}
