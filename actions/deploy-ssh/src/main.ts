import type { Core } from '../../common/src/core';
import { formatDuration } from '../../common/src/duration';
import { table, writeSummary } from '../../common/src/summary';
import { runFleet, type FleetOutcome } from './fleet';
import { readDeployInputs } from './inputs';
import { reportFleet } from './report';

export async function main(core: Core): Promise<void> {
  const started = Date.now();
  const inputs = readDeployInputs(core);
  const { settings, preSwitch } = inputs;
  core.info(
    `Deploying ${settings.app} ${inputs.version} (${inputs.image}) to ${inputs.hosts.length} host(s), ${inputs.maxParallel} at a time`,
  );

  const outcome = await runFleet(core, inputs, {
    prepare: async (host) => {
      await host.pull(inputs.image, inputs.registry);
      await host.writeEnv(inputs.envFile);
    },
    ...(preSwitch
      ? { beforeChange: (hosts) => hosts[0]!.runPreSwitch(inputs.version, inputs.image, preSwitch) }
      : {}),
    change: async (host) => {
      const changed = await host.switchTo({ kind: 'image', version: inputs.version, image: inputs.image });
      host.result = changed ? 'success' : 'unchanged';
    },
  });
  const previous = outcome.hosts.find((h) => h.before)?.before?.version ?? '';
  for (const host of outcome.hosts) {
    await host
      .close({
        action: 'deploy',
        version: inputs.version,
        previous: host.before?.version ?? null,
        image: inputs.image,
      })
      .catch((error: Error) =>
        core.warning(`${host.label}: could not record the release or release the lock: ${error.message}`),
      );
  }

  core.setOutput('version', inputs.version);
  core.setOutput('previous-version', previous);
  core.setOutput('hosts', outcome.hosts.map((h) => h.label).join(','));
  core.setOutput('rolled-back', String(outcome.rolledBack));
  core.setOutput('duration-seconds', ((Date.now() - started) / 1000).toFixed(1));
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Deploy ${settings.app} ${inputs.version}`, 3)
      .addRaw(headline(outcome, inputs.version, Date.now() - started), true)
      .addRaw(preSwitch ? preSwitchLine(outcome, preSwitch.argv) : '', true)
      .addTable(hostTable(outcome, inputs.version)),
  );
  reportFleet(outcome, `deploy ${settings.app} ${inputs.version}`);
}

function headline(outcome: FleetOutcome, version: string, ms: number): string {
  if (outcome.failed.length === 0)
    return `${version} serves on ${outcome.hosts.length} host(s) after ${formatDuration(ms)}.`;
  if (outcome.undoFailed.length > 0)
    return `Failed after ${formatDuration(ms)}; MIXED VERSIONS: ${outcome.undoFailed.map((h) => h.label).join(', ')} could not be switched back.`;
  if (outcome.rolledBack)
    return `Failed after ${formatDuration(ms)}; the hosts already switched were switched back.`;
  return `Failed after ${formatDuration(ms)}; no host was switched.`;
}

function preSwitchLine(outcome: FleetOutcome, argv: string[]): string {
  const first = outcome.hosts[0];
  const ms = first?.timings.preSwitchMs ?? 0;
  const ran = ms > 0 ? `succeeded on ${first!.label} in ${formatDuration(ms)}` : 'did not succeed';
  return `Pre-switch command \`${argv.join(' ')}\` ${ran}.`;
}

export function hostTable(outcome: FleetOutcome, version: string) {
  return table(
    ['Host', 'Version', 'Previous', 'Result', 'Pull', 'Switch', 'Total'],
    outcome.hosts.map((h) => [
      h.label,
      version,
      h.before?.version ?? '—',
      h.result ?? 'failed',
      formatDuration(h.timings.pullMs),
      formatDuration(h.timings.switchMs),
      formatDuration((h.timings.finishedAt || Date.now()) - h.timings.startedAt),
    ]),
  );
}
