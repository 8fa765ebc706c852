import type { Core } from '../../common/src/core';
import { formatBytes, formatDuration } from '../../common/src/duration';
import { errorMessage } from '../../common/src/run';
import { createS3Client } from '../../common/src/s3';
import { redact } from '../../common/src/secrets';
import { table, writeSummary } from '../../common/src/summary';
import { alertFailure, failureText } from './alert';
import { runBackup, type BackupResult } from './backup';
import { describeComparison } from './compare';
import { knownSecrets, readInputs, type BackupInputs } from './inputs';
import type { Log } from './progress';
import { rate } from './progress';
import { pruneBackups, type PruneResult } from './prune';
import { restoreBackup, type RestoreResult } from './restore';

export async function main(core: Core): Promise<void> {
  const inputs = readInputs(core);
  const secrets = knownSecrets([
    inputs.source.url,
    inputs.source.password,
    inputs.verify?.target.url,
    inputs.verify?.target.password,
    inputs.verify?.identity,
    inputs.slack?.token,
  ]);
  const scrub = (text: string) => redact(text, secrets);
  const log: Log = { info: (m) => core.info(scrub(m)), warning: (m) => core.warning(scrub(m)) };
  const s3 = createS3Client(inputs);
  core.setOutput('verified', 'false');

  let stage = 'Backup';
  try {
    const backup = await runBackup({
      s3,
      bucket: inputs.bucket,
      prefix: inputs.prefix,
      source: inputs.source,
      recipients: inputs.recipients,
      compressionLevel: inputs.compressionLevel,
      log,
      redact: scrub,
    });
    const { manifest } = backup;
    core.setOutput('key', manifest.key);
    core.setOutput('size-bytes', String(manifest.size_bytes));
    core.setOutput('sha256', manifest.sha256);
    core.setOutput('duration-seconds', (backup.durationMs / 1000).toFixed(1));
    core.info(
      `Backup ${manifest.key}: ${formatBytes(manifest.size_bytes)}, ${manifest.tables.length} tables, ${manifest.rows_total} rows, ${formatDuration(backup.durationMs)}`,
    );

    let verified: RestoreResult | undefined;
    if (inputs.verify) {
      stage = 'Backup verification';
      verified = await core.group('Verify: restore into the scratch database', () =>
        restoreBackup({
          s3,
          bucket: inputs.bucket,
          key: manifest.key,
          identity: { key: inputs.verify!.identity },
          target: inputs.verify!.target,
          jobs: 2,
          existing: 'reset-scratch',
          noOwner: true,
          log,
          redact: scrub,
        }),
      );
      if (!verified.comparison.ok)
        throw new Error(
          `The restored backup ${manifest.key} does not match its manifest: ${describeComparison(verified.comparison)}.`,
        );
      core.setOutput('verified', 'true');
      core.info(
        `Verified: ${describeComparison(verified.comparison)} (${formatDuration(verified.timings.totalMs)})`,
      );
    }

    stage = 'Backup retention';
    const pruned = await core.group('Retention', () =>
      pruneBackups(
        s3,
        inputs.bucket,
        inputs.prefix,
        {
          now: new Date(),
          retentionMs: inputs.retentionMs,
          keepMin: inputs.keepMin,
          staleMs: inputs.staleMs,
          current: manifest.key,
        },
        log,
      ),
    );
    await writeSummary(core, (summary) => successSummary(summary, inputs, backup, verified, pruned));
  } catch (error) {
    const reason = scrub(errorMessage(error));
    const alertProblem = await alertFailure(
      inputs.slack,
      failureText(stage, `database \`${inputs.source.database}\``, reason),
      log,
    );
    await writeSummary(core, (summary) =>
      summary
        .addHeading(`❌ ${stage} failed: ${inputs.source.database}`, 3)
        .addRaw(reason, true)
        .addRaw(alertProblem ?? '', true),
    );
    throw new Error(alertProblem ? `${reason}\n${alertProblem}` : reason);
  }
}

function successSummary(
  summary: Core['summary'],
  inputs: BackupInputs,
  backup: BackupResult,
  verified: RestoreResult | undefined,
  pruned: PruneResult,
) {
  const m = backup.manifest;
  const ratio = m.size_bytes > 0 ? (m.database_size_bytes / m.size_bytes).toFixed(1) : '-';
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
}
