import type { Core } from '../../common/src/core';
import { formatBytes, formatDuration } from '../../common/src/duration';
import { errorMessage } from '../../common/src/run';
import { createS3Client } from '../../common/src/s3';
import { redact } from '../../common/src/secrets';
import { table, writeSummary } from '../../common/src/summary';
import { alertFailure, failureText } from '../../db-backup/src/alert';
import { latestGood, listBackups } from '../../db-backup/src/catalog';
import { describeComparison } from '../../db-backup/src/compare';
import { knownSecrets } from '../../db-backup/src/inputs';
import type { Log } from '../../db-backup/src/progress';
import { describeTimings, restoreBackup } from '../../db-backup/src/restore';
import { readInputs } from './inputs';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const scrub = (text: string) =>
    redact(
      text,
      knownSecrets([inputs.target.url, inputs.target.password, inputs.identity, inputs.slack?.token]),
    );
  const log: Log = { info: (m) => core.info(scrub(m)), warning: (m) => core.warning(scrub(m)) };
  const s3 = createS3Client(inputs);
  const where = `s3://${inputs.bucket}/${inputs.prefix}`;
  try {
    const listing = Date.now();
    const latest = latestGood(await listBackups(s3, inputs.bucket, inputs.prefix), where);
    const listMs = Date.now() - listing;
    core.setOutput('key', latest.key);
    log.info(
      `Restore drill: ${latest.key} (${formatBytes(latest.size)}, taken ${latest.time.toISOString()}) into the scratch database ${inputs.target.database}`,
    );
    const result = await restoreBackup({
      s3,
      bucket: inputs.bucket,
      key: latest.key,
      identity: { key: inputs.identity },
      target: inputs.target,
      jobs: inputs.jobs,
      existing: 'reset-scratch',
      noOwner: true,
      log,
      redact: scrub,
    });
    const rows = result.tables.reduce((sum, t) => sum + t.rows, 0);
    core.setOutput('tables', String(result.tables.length));
    core.setOutput('rows', String(rows));
    core.setOutput('duration-seconds', (result.timings.totalMs / 1000).toFixed(1));
    const { manifest, comparison, timings } = result;
    await writeSummary(core, (summary) =>
      summary.addHeading(`${comparison.ok ? '✅' : '❌'} Restore drill: ${manifest.database}`, 3).addTable(
        table(
          ['', ''],
          [
            ['Backup', `${where}${latest.key.slice(inputs.prefix.length)}`],
            [
              'Taken',
              `${manifest.started_at} (age ${formatDuration(Date.now() - Date.parse(manifest.started_at))})`,
            ],
            ['Size', formatBytes(manifest.size_bytes)],
            [
              'Tables / rows',
              `${result.tables.length} / ${rows} (manifest: ${manifest.tables.length} / ${manifest.rows_total})`,
            ],
            ['Check', describeComparison(comparison)],
            ['Timings', describeTimings(timings, listMs)],
          ],
        ),
      ),
    );
    if (!comparison.ok)
      throw new Error(
        `The restored backup ${latest.key} does not match its manifest: ${describeComparison(comparison)}.`,
      );
    core.info(
      `Restore drill passed: ${describeComparison(comparison)} in ${formatDuration(timings.totalMs)} (${describeTimings(timings, listMs)})`,
    );
  } catch (error) {
    const reason = scrub(errorMessage(error));
    const alertProblem = await alertFailure(
      inputs.slack,
      failureText('Restore drill', `s3://${inputs.bucket}/${inputs.prefix}`, reason),
      log,
    );
    throw new Error(alertProblem ? `${reason}\n${alertProblem}` : reason);
  }
}
