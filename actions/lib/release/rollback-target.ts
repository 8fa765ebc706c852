// Choosing a rollback's version, and finding it retained on every host, before anything changes.
import { previousSuccessful } from './state';
import type { AppState, AuditEntry, Release } from './types';

export interface HostView {
  label: string;
  state: AppState;
  history: AuditEntry[];
  /** Versions whose containers exist on the host. */
  present: Set<string>;
}

/** The rollback version: the one asked for, or the previous successful release of the first host. */
export function chooseVersion(hosts: HostView[], requested?: string): { version?: string; problem?: string } {
  if (requested) return { version: requested };
  const first = hosts[0];
  if (!first) return { problem: 'no hosts' };
  const version = previousSuccessful(first.history, first.state.current?.version);
  if (!version)
    return {
      problem: `${first.label}: the audit log has no successful release other than the current one to roll back to`,
    };
  return { version };
}

/** The retained release of `version` on each host, or a problem naming the hosts that lack it. */
export function retainedEverywhere(
  hosts: HostView[],
  version: string,
): { releases: Map<string, Release>; problem?: string } {
  const releases = new Map<string, Release>();
  const missing: string[] = [];
  for (const host of hosts) {
    const release = host.state.retained.find((r) => r.version === version);
    const serving = host.state.current?.version === version;
    if (release && host.present.has(version)) releases.set(host.label, release);
    else if (!serving) missing.push(host.label);
  }
  if (missing.length > 0) {
    return {
      releases,
      problem: `version ${version} is not retained on ${missing.join(', ')} (retained releases are listed in <root>/<app>/state.json); nothing was changed. Deploy it again instead.`,
    };
  }
  return { releases };
}
