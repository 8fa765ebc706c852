// Runs a deploy or a rollback across hosts: lock everything first, switch in batches of
// `max-parallel`, and when any host fails switch the hosts already switched back, so a run
// never ends with mixed versions.
import type { Core } from '../../common/src/core';
import { errorMessage } from '../../common/src/run';
import type { HostTarget } from '../../common/src/ssh';
import { HostRun, type HostContext } from './host';
import type { FleetInputs } from './inputs';

export interface FleetOutcome {
  hosts: HostRun[];
  failed: HostRun[];
  /** True when every host switched in this run was switched back because another host failed. */
  rolledBack: boolean;
  /** Hosts that could not be switched back: the fleet may serve mixed versions. */
  undoFailed: HostRun[];
}

export function hostContext(core: Core, fleet: FleetInputs): HostContext {
  return {
    settings: fleet.settings,
    username: fleet.username,
    privateKey: fleet.privateKey,
    knownHosts: fleet.knownHosts,
    actor: process.env.GITHUB_ACTOR ?? process.env.USER ?? 'unknown',
    run: process.env.GITHUB_RUN_ID
      ? `${process.env.GITHUB_REPOSITORY ?? ''}#${process.env.GITHUB_RUN_ID}`
      : 'local',
    log: (message) => core.info(message),
    showLogs: (title, text) => {
      core.info(`::group::${title}`);
      core.info(text.trimEnd() || '(no output)');
      core.info('::endgroup::');
    },
  };
}

/** Runs `fn` on the hosts in batches of `size`; stops starting batches after a failure when `stopOnFailure`. */
export async function inBatches(
  hosts: HostRun[],
  size: number,
  fn: (host: HostRun) => Promise<void>,
  stopOnFailure: boolean,
): Promise<HostRun[]> {
  const failed: HostRun[] = [];
  for (let i = 0; i < hosts.length; i += size) {
    const batch = hosts.slice(i, i + size);
    const results = await Promise.allSettled(batch.map(fn));
    results.forEach((result, j) => {
      if (result.status === 'rejected') {
        const host = batch[j]!;
        host.error = errorMessage(result.reason);
        host.result = 'failed';
        failed.push(host);
      }
    });
    if (failed.length > 0 && stopOnFailure) break;
  }
  return failed;
}

/**
 * Opens (connect + lock + state) every host, then runs `prepare` on all (pulls, checks) and
 * `change` in batches. Hosts switched before a failure are switched back.
 */
export async function runFleet(
  core: Core,
  fleet: FleetInputs,
  steps: {
    prepare: (host: HostRun) => Promise<void>;
    /** Checks across hosts after prepare (e.g. the rollback version is retained everywhere); returns a problem. */
    check?: (hosts: HostRun[]) => string | undefined;
    /** Runs once after prepare and check, before any host switches (the deploy's pre-switch command). */
    beforeChange?: (hosts: HostRun[]) => Promise<void>;
    change: (host: HostRun) => Promise<void>;
  },
): Promise<FleetOutcome> {
  const context = hostContext(core, fleet);
  const hosts = fleet.hosts.map((target: HostTarget) => new HostRun(target, context));
  const size = fleet.maxParallel;

  let failed = await inBatches(hosts, size, (h) => h.open(), false);
  if (failed.length === 0) failed = await inBatches(hosts, size, steps.prepare, false);
  if (failed.length === 0 && steps.check) {
    const problem = steps.check(hosts);
    if (problem) {
      for (const host of hosts) Object.assign(host, { result: 'failed', error: problem });
      failed = [...hosts];
    }
  }
  if (failed.length === 0 && steps.beforeChange) {
    const first = hosts[0]!;
    try {
      await steps.beforeChange(hosts);
    } catch (error) {
      for (const host of hosts)
        Object.assign(host, {
          result: 'failed',
          error:
            host === first
              ? errorMessage(error)
              : `not switched: the step before the switch failed on ${first.label}`,
        });
      failed = [...hosts];
    }
  }
  if (failed.length === 0) failed = await inBatches(hosts, size, steps.change, true);

  const switched = hosts.filter((h) => h.switched);
  let undoFailed: HostRun[] = [];
  if (failed.length > 0 && switched.length > 0) {
    core.warning(
      `${failed.length} host(s) failed: switching ${switched.map((h) => h.label).join(', ')} back`,
    );
    undoFailed = await inBatches(switched, size, (h) => h.undo(), false);
  }
  const rolledBack = failed.length > 0 && switched.length > 0 && undoFailed.length === 0;
  return { hosts, failed, rolledBack, undoFailed };
}
