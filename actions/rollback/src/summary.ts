import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { writeSummary } from '../../lib/action/summary';
import type { FleetOutcome } from '../../lib/release/fleet';
import { hostTable } from '../../lib/release/host-table';

export async function writeRollbackSummary(
  core: Pick<Core, 'summary'>,
  app: string,
  version: string,
  outcome: FleetOutcome,
  ms: number,
): Promise<void> {
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Rollback ${app} to ${version || '(none)'}`, 3)
      .addRaw(outcome.failed.length === 0 ? `Done in ${formatDuration(ms)}.` : 'Failed; see the log.', true)
      .addTable(hostTable(outcome, version)),
  );
}
