// The edge deploy's plan (pure): where everything lives on a host, every remote command as an argv
// array, and the release bookkeeping. A host's layout (next to the apps', docs/DEPLOY.md):
//   <config>                                  what nginx includes (e.g. /etc/nginx/conf.d/contextai.conf)
//   <config dir>/.<config name>.previous      the configuration live before the last deploy (hard link)
//   <config dir>/.<config name>.new           the upload, renamed over <config> (same directory: atomic)
//   <root>/edge/releases/<version>/<config name>   every deployed version's copy
//   <root>/edge/state.json, current, releases.log  as an app's (current, retained, audit log)
// The two hidden files never match an include glob (`conf.d/*.conf`, `sites-enabled/*`): a glob
// skips names that start with a dot.
import { posix } from 'node:path';
import { BACKUP_SCRIPT, RESTORE_SCRIPT } from '../tls/paths';

export const EDGE_APP = 'edge';

export interface EdgeLayout {
  config: string;
  previous: string;
  staged: string;
  dir: string;
  state: string;
  current: string;
  log: string;
  releases: string;
}

export function edgeLayout(root: string, config: string): EdgeLayout {
  const dir = posix.join(root, EDGE_APP);
  const { dir: confDir, base } = posix.parse(config);
  return {
    config,
    previous: posix.join(confDir, `.${base}.previous`),
    staged: posix.join(confDir, `.${base}.new`),
    dir,
    state: `${dir}/state.json`,
    current: `${dir}/current`,
    log: `${dir}/releases.log`,
    releases: `${dir}/releases`,
  };
}

/** A version's own copy of the configuration it deployed. */
export function releaseCopy(layout: EdgeLayout, version: string): string {
  return `${layout.releases}/${version}/${posix.basename(layout.config)}`;
}

/** The argv of each remote step; commands given as inputs are used as they are (plain words). */
export const edgePlan = {
  makeReleaseDir: (layout: EdgeLayout, version: string) => [
    'mkdir',
    '-p',
    '--',
    `${layout.releases}/${version}`,
  ],
  /** Hard-links the live configuration to `.previous` (or drops a stale one when there is none live). */
  backup: (layout: EdgeLayout) => ['sh', '-c', BACKUP_SCRIPT, 'sh', layout.config, layout.previous],
  /** Moves `.previous` back over the live file (or removes the live file when there was none before). */
  restore: (layout: EdgeLayout) => ['sh', '-c', RESTORE_SCRIPT, 'sh', layout.config, layout.previous],
  appendLog: (layout: EdgeLayout) => ['sh', '-c', 'cat >> "$1"', 'sh', layout.log],
  listReleases: (layout: EdgeLayout) => ['ls', '-1', '--', layout.releases],
  removeReleases: (layout: EdgeLayout, versions: string[]) => [
    'rm',
    '-rf',
    '--',
    ...versions.map((v) => `${layout.releases}/${v}`),
  ],
};

/** One deployed version of the edge configuration. */
export interface EdgeRelease {
  version: string;
  /** SHA-256 of the configuration file, hex. */
  sha256: string;
  deployedAt: string;
}

/** `state.json`: the live version and the ones before it (newest first), like an app's. */
export interface EdgeState {
  current?: EdgeRelease;
  retained: EdgeRelease[];
}

export interface EdgeAuditEntry {
  time: string;
  action: 'deploy';
  actor: string;
  app: typeof EDGE_APP;
  version: string;
  previous: string | null;
  sha256: string;
  host: string;
  /** `reverted`: it failed here or on another host, and the previous configuration is live again. */
  result: 'success' | 'reverted' | 'failed';
  durationMs: number;
  run?: string;
  error?: string;
}

/** Reads `state.json`; anything that is not the state this code writes is refused, never guessed. */
export function parseEdgeState(text: string | undefined, file: string): EdgeState {
  if (!text?.trim()) return { retained: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `it is not valid JSON (${(error as Error).message})`);
  }
  const state = parsed as Partial<EdgeState> | null;
  if (typeof state !== 'object' || state === null || Array.isArray(state))
    throw corrupt(file, 'it is not a JSON object');
  const retained = state.retained ?? [];
  if (!Array.isArray(retained)) throw corrupt(file, '`retained` is not a list');
  if (![state.current, ...retained].every((r) => r === undefined || isRelease(r)))
    throw corrupt(file, 'a release in it lacks its version or sha256');
  return { ...(state.current ? { current: state.current } : {}), retained };
}

function isRelease(value: unknown): value is EdgeRelease {
  const r = value as Partial<EdgeRelease> | null;
  return typeof r === 'object' && r !== null && typeof r.version === 'string' && typeof r.sha256 === 'string';
}

function corrupt(file: string, why: string): Error {
  return new Error(
    `${file} is corrupt: ${why}. Nothing was changed on this host. Rewrite it by hand (releases.log ` +
      'lists the versions deployed) or move it aside: the next deploy then starts a new history.',
  );
}

/** The state after `next` went live; `keep` retained versions at most. */
export function afterEdgeDeploy(state: EdgeState, next: EdgeRelease, keep: number): EdgeState {
  const before = state.current && state.current.version !== next.version ? [state.current] : [];
  const others = state.retained.filter(
    (r) => r.version !== next.version && r.version !== state.current?.version,
  );
  return { current: next, retained: [...before, ...others].slice(0, keep) };
}

/** Release copies on the host that the state no longer names (never the live one). */
export function releasesToRemove(listed: string[], state: EdgeState): string[] {
  const kept = new Set([state.current, ...state.retained].map((r) => r?.version));
  return listed.filter((version) => !kept.has(version));
}
