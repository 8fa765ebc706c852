import type { Core } from '../../common/src/core';
import { formatDuration } from '../../common/src/duration';
import { writeSummary } from '../../common/src/summary';
import { runFleet } from '../../deploy-ssh/src/fleet';
import type { HostRun } from '../../deploy-ssh/src/host';
import { hostTable } from '../../deploy-ssh/src/main';
import type { Release } from '../../deploy-ssh/src/plan';
import { reportFleet } from '../../deploy-ssh/src/report';
import { readRollbackInputs } from './inputs';
import { chooseVersion, retainedEverywhere, type HostView } from './target';

export async function main(core: Core): Promise<void> {
  const started = Date.now();
  const inputs = readRollbackInputs(core);
  const { app } = inputs.settings;
  const views = new Map<HostRun, HostView>();
  let version = inputs.version ?? '';
  let releases = new Map<string, Release>();

  const outcome = await runFleet(core, inputs, {
    prepare: async (host) => {
      const history = await host.auditHistory();
      const present = new Set<string>();
      for (const release of host.state.retained)
        if (await host.hasContainer(release)) present.add(release.version);
      views.set(host, { label: host.label, state: host.state, history, present });
    },
    check: (hosts) => {
      const chosen = chooseVersion(
        hosts.map((h) => views.get(h)!),
        inputs.version,
      );
      if (!chosen.version) return chosen.problem;
      version = chosen.version;
      const found = retainedEverywhere(
        hosts.map((h) => views.get(h)!),
        version,
      );
      releases = found.releases;
      core.info(`Rolling ${app} back to ${version} on ${hosts.length} host(s)`);
      return found.problem;
    },
    change: async (host) => {
      const release = releases.get(host.label);
      const changed = release ? await host.switchTo({ kind: 'retained', release }) : false;
      host.result = changed ? 'success' : 'unchanged';
    },
  });

  const previous = outcome.hosts.find((h) => h.before)?.before?.version ?? '';
  for (const host of outcome.hosts) {
    const image = releases.get(host.label)?.image ?? host.before?.image ?? '';
    await host
      .close({ action: 'rollback', version: version || '?', previous: host.before?.version ?? null, image })
      .catch((error: Error) =>
        core.warning(`${host.label}: could not record the release or release the lock: ${error.message}`),
      );
  }
  core.setOutput('version', version);
  core.setOutput('previous-version', previous);
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Rollback ${app} to ${version || '(none)'}`, 3)
      .addRaw(
        outcome.failed.length === 0
          ? `Done in ${formatDuration(Date.now() - started)}.`
          : 'Failed; see the log.',
        true,
      )
      .addTable(hostTable(outcome, version)),
  );
  reportFleet(outcome, `rollback ${app} to ${version || '(no version)'}`);
}
