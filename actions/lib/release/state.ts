// Pure bookkeeping of an app's releases: the state file and the audit log.
import type { AppState, AuditEntry, Release } from './types';

/**
 * Reads `state.json` (`file` names it in errors). A file that is not the state this code writes
 * is refused with what it is and how to repair it: guessing would boot or stop the wrong release.
 */
export function parseState(text: string | undefined, file: string): AppState {
  if (!text?.trim()) return { retained: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corruptState(file, `it is not valid JSON (${(error as Error).message})`);
  }
  const state = parsed as Partial<AppState> | null;
  const releases = [state?.current, ...(Array.isArray(state?.retained) ? state.retained : [])];
  if (typeof state !== 'object' || Array.isArray(state) || state === null)
    throw corruptState(file, 'it is not a JSON object');
  if (state.retained !== undefined && !Array.isArray(state.retained))
    throw corruptState(file, '`retained` is not a list');
  if (!releases.every((release) => release === undefined || isRelease(release)))
    throw corruptState(file, 'a release in it lacks its version, container or port');
  return { ...(state.current ? { current: state.current } : {}), retained: state.retained ?? [] };
}

function isRelease(value: unknown): value is Release {
  const release = value as Partial<Release> | null;
  return (
    typeof release === 'object' &&
    release !== null &&
    typeof release.version === 'string' &&
    typeof release.container === 'string' &&
    typeof release.port === 'number'
  );
}

function corruptState(file: string, why: string): Error {
  return new Error(
    `${file} is corrupt: ${why}. Nothing was changed on this host. It records which release serves ` +
      `and which are kept for rollback; to fix it, rewrite it by hand (docs/DEPLOY.md, "A corrupt ` +
      `state.json": \`current\` is the app's running container, releases.log lists the versions), or ` +
      `move it aside and stop the app's containers, so the next deploy starts as on a new host.`,
  );
}

/** The state after `next` was switched in: the old current becomes the newest retained release. */
export function afterSwitch(state: AppState, next: Release): AppState {
  const others = state.retained.filter(
    (r) => r.version !== next.version && r.version !== state.current?.version,
  );
  return { current: next, retained: state.current ? [state.current, ...others] : others };
}

/** Splits retained releases into those kept and those whose containers are removed. */
export function prune(state: AppState, keep: number): { state: AppState; removed: Release[] } {
  return {
    state: { ...state, retained: state.retained.slice(0, keep) },
    removed: state.retained.slice(keep),
  };
}

export function auditLine(entry: AuditEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

export function parseAuditLog(text: string | undefined): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as AuditEntry);
    } catch {
      // A torn last line (a crash mid-append) must not hide the rest of the history.
    }
  }
  return entries;
}

/** The newest successful release other than `current`: the default rollback target. */
export function previousSuccessful(entries: AuditEntry[], current: string | undefined): string | undefined {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const entry = entries[i]!;
    if (entry.result === 'success' && entry.version !== current) return entry.version;
  }
  return undefined;
}
