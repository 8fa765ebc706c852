import type { Core } from '../../lib/action/core';
import { closeHosts, runFleet } from '../../lib/release/fleet';
import { throwIfFleetFailed } from '../../lib/release/fleet-failure';
import type { HostRun } from '../../lib/release/host';
import { chooseVersion, retainedEverywhere, type HostView } from '../../lib/release/rollback-target';
import type { Release } from '../../lib/release/types';
import { readInputs } from './inputs';
import { writeRollbackSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const started = Date.now();
  const inputs = readInputs(core);
  const { app } = inputs.settings;
  const views = new Map<HostRun, HostView>();
  let version = inputs.version ?? '';
  let releases = new Map<string, Release>();

  const outcome = await runFleet(core, inputs, {
    prepare: async (host) => {
      const history = await host.auditHistory();
      const present = new Set<string>();
      const { state } = host.record;
      for (const release of state.retained)
        if (await host.hasContainer(release)) present.add(release.version);
      views.set(host, { label: host.label, state, history, present });
    },
    check: (hosts) => {
      const hostViews = hosts.map((h) => views.get(h)!);
      const chosen = chooseVersion(hostViews, inputs.version);
      if (!chosen.version) return chosen.problem;
      version = chosen.version;
      const found = retainedEverywhere(hostViews, version);
      releases = found.releases;
      core.info(`Rolling ${app} back to ${version} on ${hosts.length} host(s)`);
      return found.problem;
    },
    change: async (host) => {
      const release = releases.get(host.label);
      return release ? host.switchTo({ kind: 'retained', release }) : false;
    },
  });
  await closeHosts(core, outcome.hosts, (host) => ({
    action: 'rollback',
    version: version || '?',
    previous: host.record.before?.version ?? null,
    image: releases.get(host.label)?.image ?? host.record.before?.image ?? '',
  }));

  core.setOutput('version', version);
  core.setOutput(
    'previous-version',
    outcome.hosts.find((h) => h.record.before)?.record.before?.version ?? '',
  );
  await writeRollbackSummary(core, app, version, outcome, Date.now() - started);
  throwIfFleetFailed(outcome, `rollback ${app} to ${version || '(no version)'}`);
}
