// Pure bookkeeping of an app's releases: the state file and the audit log.
import type { AppState, AuditEntry, Release } from './types';

export function parseState(text: string | undefined): AppState {
  if (!text?.trim()) return { retained: [] };
  const parsed = JSON.parse(text) as Partial<AppState>;
  return { ...(parsed.current ? { current: parsed.current } : {}), retained: parsed.retained ?? [] };
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
