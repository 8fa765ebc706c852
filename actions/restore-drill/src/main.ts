import type { Core, Log } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { redact } from '../../lib/action/secrets';
import { withFailureAlert } from '../../lib/alert/failure';
import { describeComparison } from '../../lib/backup/compare';
import { runRestoreDrill } from '../../lib/backup/drill';
import { knownSecrets } from '../../lib/backup/inputs';
import { describeTimings } from '../../lib/backup/restore';
import { createS3Client } from '../../lib/backup/s3';
import { DRILL_SERIES, reportOutcome } from '../../lib/monitoring/run-metrics';
import { readInputs } from './inputs';
import { writeDrillSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const secrets = knownSecrets([inputs.identity, inputs.slack?.token], inputs.target);
  const scrub = (text: string) => redact(text, secrets);
  const log: Log = { info: (m) => core.info(scrub(m)), warning: (m) => core.warning(scrub(m)) };
  const alert = {
    slack: inputs.slack,
    what: 'Restore drill FAILED',
    subject: `s3://${inputs.bucket}/${inputs.prefix}`,
    scrub,
    log,
  };
  const report = (success: boolean) =>
    reportOutcome(inputs.push, DRILL_SERIES, { success, at: new Date() }, log);
  await withFailureAlert(alert, async () => {
    const s3 = createS3Client(inputs);
    const drill = await runRestoreDrill({ ...inputs, s3, log, redact: scrub }, (backup) =>
      core.setOutput('key', backup.key),
    );
    const { comparison, timings, tables } = drill;
    core.setOutput('tables', String(tables.length));
    core.setOutput('rows', String(tables.reduce((sum, t) => sum + t.rows, 0)));
    core.setOutput('duration-seconds', (timings.totalMs / 1000).toFixed(1));
    await writeDrillSummary(core, inputs.bucket, drill);
    if (!comparison.ok)
      throw new Error(
        `The restored backup ${drill.backup.key} does not match its manifest: ${describeComparison(comparison)}.`,
      );
    core.info(
      `Restore drill passed: ${describeComparison(comparison)} in ${formatDuration(timings.totalMs)} (${describeTimings(timings, drill.listMs)})`,
    );
  }).then(
    () => report(true),
    async (error: unknown) => {
      await report(false);
      throw error;
    },
  );
}
