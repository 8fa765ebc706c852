import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { writeSummary } from '../../lib/action/summary';
import type { FleetOutcome } from '../../lib/release/fleet';
import { hostTable } from '../../lib/release/host-table';
import type { DeployInputs } from './inputs';

export async function writeDeploySummary(
  core: Pick<Core, 'summary'>,
  inputs: DeployInputs,
  outcome: FleetOutcome,
  ms: number,
): Promise<void> {
  const { version } = inputs.target;
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Deploy ${inputs.settings.app} ${version}`, 3)
      .addRaw(headline(outcome, version, ms), true)
      .addRaw(inputs.preSwitch ? preSwitchLine(outcome, inputs.preSwitch.argv) : '', true)
      .addTable(hostTable(outcome, version)),
  );
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
