import type { Core } from '../../lib/action/core';
import { formatBytes, formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import { describeComparison } from '../../lib/backup/compare';
import type { DrillResult } from '../../lib/backup/drill';
import { describeTimings } from '../../lib/backup/restore';

export async function writeDrillSummary(core: Pick<Core, 'summary'>, bucket: string, drill: DrillResult) {
  const { manifest, comparison, timings, tables, backup } = drill;
  const rows = tables.reduce((sum, t) => sum + t.rows, 0);
  const age = formatDuration(Date.now() - Date.parse(manifest.started_at));
  await writeSummary(core, (summary) =>
    summary.addHeading(`${comparison.ok ? '✅' : '❌'} Restore drill: ${manifest.database}`, 3).addTable(
      table(
        ['', ''],
        [
          ['Backup', `s3://${bucket}/${backup.key}`],
          ['Taken', `${manifest.started_at} (age ${age})`],
          ['Size', formatBytes(manifest.size_bytes)],
          [
            'Tables / rows',
            `${tables.length} / ${rows} (manifest: ${manifest.tables.length} / ${manifest.rows_total})`,
          ],
          ['Check', describeComparison(comparison)],
          ['Timings', describeTimings(timings, drill.listMs)],
        ],
      ),
    ),
  );
}
