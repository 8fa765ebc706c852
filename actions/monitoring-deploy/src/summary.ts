import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { MonitoringBundle } from '../../lib/monitoring/bundle';

export interface HostRow {
  host: string;
  outcome: string;
  previous?: string;
  pruned?: string[];
}

export async function writeDeploySummary(
  core: Pick<Core, 'summary'>,
  run: { id: string; bundle: MonitoringBundle; rows: HostRow[]; started: number },
): Promise<void> {
  const count = (prefix: string) => [...run.bundle.files.keys()].filter((p) => p.startsWith(prefix)).length;
  await writeSummary(core, (summary) => {
    summary.addHeading('Monitoring deploy', 2);
    summary.addRaw(
      `Release \`${run.id}\`: ${run.bundle.ruleGroups.length} rule groups in ${count('rules/')} files, ` +
        `Alertmanager configuration and ${count('alertmanager/') - 1} templates, ${count('dashboards/')} dashboards ` +
        `(${formatDuration(Date.now() - run.started)}).`,
      true,
    );
    summary.addTable(
      table(
        ['host', 'outcome', 'previous release', 'pruned'],
        run.rows.map((r) => [
          r.host,
          r.outcome,
          r.previous ?? '–',
          r.pruned?.length ? r.pruned.join(', ') : '–',
        ]),
      ),
    );
  });
}
