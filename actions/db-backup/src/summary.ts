import type { Core } from '../../lib/action/core';
import { formatBytes, formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { AlertedFailure } from '../../lib/alert/failure';
import { describeComparison } from '../../lib/backup/compare';
import type { BackupInputs } from '../../lib/backup/inputs';
import type { BackupJobResult } from '../../lib/backup/job';
import { rate } from '../../lib/backup/progress';

export async function writeBackupSummary(
  core: Pick<Core, 'summary'>,
  inputs: BackupInputs,
  job: BackupJobResult,
) {
  const { backup, verified, pruned } = job;
  const m = backup.manifest;
  const ratio = m.size_bytes > 0 ? (m.database_size_bytes / m.size_bytes).toFixed(1) : '-';
  await writeSummary(core, (summary) => {
    summary
      .addHeading(`✅ Backup of ${m.database}`, 3)
      .addTable(
        table(
          ['', ''],
          [
            ['Database', `${m.database} (PostgreSQL ${m.server_version})`],
            ['Object', `s3://${inputs.bucket}/${m.key}`],
            [
              'Size',
              `${formatBytes(m.size_bytes)} (database ${formatBytes(m.database_size_bytes)}, ratio ${ratio}×)`,
            ],
            [
              'Throughput',
              `${formatBytes(rate(m.database_size_bytes, backup.durationMs))}/s of database, ${formatBytes(rate(m.size_bytes, backup.durationMs))}/s stored`,
            ],
            ['Duration', formatDuration(backup.durationMs)],
            ['Tables / rows', `${m.tables.length} / ${m.rows_total}`],
            ['sha256', m.sha256],
            [
              'Verified',
              verified
                ? `yes: ${describeComparison(verified.comparison)} in ${formatDuration(verified.timings.totalMs)}`
                : 'no',
            ],
          ],
        ),
      )
      .addHeading('Retention', 4)
      .addRaw(
        `Kept ${pruned.plan.keep.length}, deleted ${pruned.deleted.length}, aborted ${pruned.aborted.length} stale upload(s).${pruned.notes.map((n) => ` Note: ${n}.`).join('')}`,
        true,
      );
    if (pruned.plan.delete.length > 0)
      summary.addTable(
        table(
          ['Deleted', 'Reason'],
          pruned.plan.delete.map((d) => [d.entry.key, d.reason]),
        ),
      );
  });
}

export async function writeFailureSummary(
  core: Pick<Core, 'summary'>,
  database: string,
  failure: AlertedFailure,
) {
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`❌ ${failure.what}: ${database}`, 3)
      .addRaw(failure.reason, true)
      .addRaw(failure.alertProblem ?? '', true),
  );
}
