import type { Core } from '../../lib/action/core';
import { AlertedFailure } from '../../lib/alert/failure';
import { runBackupJob } from '../../lib/backup/job';
import { BACKUP_SERIES, reportOutcome, type RunOutcome } from '../../lib/monitoring/run-metrics';
import { readInputs } from './inputs';
import { writeBackupSummary, writeFailureSummary } from './summary';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  core.setOutput('verified', 'false');
  let outcome: RunOutcome = { success: false, at: new Date() };
  try {
    const job = await runBackupJob(core, inputs, {
      backedUp: ({ manifest, durationMs }) => {
        core.setOutput('key', manifest.key);
        core.setOutput('size-bytes', String(manifest.size_bytes));
        core.setOutput('sha256', manifest.sha256);
        core.setOutput('duration-seconds', (durationMs / 1000).toFixed(1));
      },
      verified: () => core.setOutput('verified', 'true'),
    });
    outcome = { success: true, at: new Date(), sizeBytes: job.backup.manifest.size_bytes };
    await writeBackupSummary(core, inputs, job);
  } catch (error) {
    if (!outcome.success) outcome.at = new Date();
    if (error instanceof AlertedFailure) await writeFailureSummary(core, inputs.source.database, error);
    throw error;
  } finally {
    await reportOutcome(inputs.push, BACKUP_SERIES, outcome, core);
  }
}
