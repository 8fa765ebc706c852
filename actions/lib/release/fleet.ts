// Runs a deploy or a rollback across hosts: lock everything first, switch in batches of
// `max-parallel`, and when any host fails switch the hosts already switched back, so a run
// never ends with mixed versions.
import type { Core } from '../action/core';
import { errorMessage } from '../action/run';
import { runActor, runLabel } from '../action/run-link';
import { printUntrusted } from '../action/untrusted-output';
import { HostRun, type AuditFields, type HostContext } from './host';
import type { FleetInputs } from './inputs';

export interface FleetOutcome {
  hosts: HostRun[];
  failed: HostRun[];
  /** True when every host switched in this run was switched back because another host failed. */
  rolledBack: boolean;
  /** Hosts that could not be switched back: the fleet may serve mixed versions. */
  undoFailed: HostRun[];
}

export interface FleetSteps {
  prepare: (host: HostRun) => Promise<void>;
  /** Checks across hosts after prepare (e.g. the rollback version is retained everywhere); returns a problem. */
  check?: (hosts: HostRun[]) => string | undefined;
  /** Runs once after prepare and check, before any host switches (the deploy's pre-switch command). */
  beforeChange?: (hosts: HostRun[]) => Promise<void>;
  /** Switches one host; resolves with whether anything changed there. */
  change: (host: HostRun) => Promise<boolean>;
}

function hostContext(core: Pick<Core, 'info'>, fleet: FleetInputs): HostContext {
  return {
    settings: fleet.settings,
    user: fleet.user,
    privateKey: fleet.privateKey,
    knownHosts: fleet.knownHosts,
    owner: { actor: runActor(), run: runLabel() },
    // A message may end with a command's stderr: its further lines are output from the host.
    log: (message) => (message.includes('\n') ? printUntrusted(core, message) : core.info(message)),
    // Container logs and the pre-switch command's output: never read as workflow commands.
    showLogs: (title, text) => {
      core.info(`::group::${title}`);
      printUntrusted(core, text.trimEnd() || '(no output)');
      core.info('::endgroup::');
    },
  };
}

/** Runs `fn` on the hosts in batches of `size`; stops starting batches after a failure when `stopOnFailure`. */
async function inBatches(
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
        host.fail(errorMessage(result.reason));
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
  core: Pick<Core, 'info' | 'warning'>,
  fleet: FleetInputs,
  steps: FleetSteps,
): Promise<FleetOutcome> {
  const context = hostContext(core, fleet);
  const hosts = fleet.hosts.map((target) => new HostRun(target, context));
  const size = fleet.maxParallel;

  let failed = await inBatches(hosts, size, (h) => h.open(), false);
  if (failed.length === 0) failed = await inBatches(hosts, size, steps.prepare, false);
  if (failed.length === 0 && steps.check) {
    const problem = steps.check(hosts);
    if (problem) failed = failAll(hosts, () => problem);
  }
  if (failed.length === 0 && steps.beforeChange) {
    const first = hosts[0]!;
    try {
      await steps.beforeChange(hosts);
    } catch (error) {
      failed = failAll(hosts, (host) =>
        host === first
          ? errorMessage(error)
          : `not switched: the step before the switch failed on ${first.label}`,
      );
    }
  }
  if (failed.length === 0)
    failed = await inBatches(hosts, size, async (h) => h.succeed(await steps.change(h)), true);

  const switched = hosts.filter((h) => h.record.switched);
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

/** Records each host's result and releases its lock; a host that cannot be closed is a warning. */
export async function closeHosts(
  core: Pick<Core, 'warning'>,
  hosts: HostRun[],
  fields: (host: HostRun) => AuditFields,
): Promise<void> {
  for (const host of hosts)
    await host
      .close(fields(host))
      .catch((error: Error) =>
        core.warning(`${host.label}: could not record the release or release the lock: ${error.message}`),
      );
}

function failAll(hosts: HostRun[], why: (host: HostRun) => string): HostRun[] {
  for (const host of hosts) host.fail(why(host));
  return [...hosts];
}
