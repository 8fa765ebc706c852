import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { HostOutcome } from '../../lib/edge/deploy';

const ICON: Record<HostOutcome['outcome'], string> = {
  live: '✅',
  reverted: '↩️',
  failed: '❌',
  untouched: '–',
};

export async function writeEdgeSummary(
  core: Pick<Core, 'summary'>,
  run: { version: string; configPath: string; rows: HostOutcome[]; started: number },
): Promise<void> {
  await writeSummary(core, (summary) => {
    summary.addHeading('Edge deploy', 2);
    summary.addRaw(
      `Edge configuration \`${run.version}\` → \`${run.configPath}\` (${formatDuration(Date.now() - run.started)}).`,
      true,
    );
    if (run.rows.length === 0) return;
    summary.addTable(
      table(
        ['host', 'outcome', 'previous version', 'detail'],
        run.rows.map((r) => [r.host, `${ICON[r.outcome]} ${r.outcome}`, r.previous ?? '–', r.detail]),
      ),
    );
  });
}
