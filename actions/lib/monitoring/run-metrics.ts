// The outcome of a backup or a restore drill, as the alerts read it from the Pushgateway
// (docs/ALERTING.md): a success replaces the whole group (last success, last run, outcome, size);
// a failure updates only the last-run metrics, so the last success timestamp survives and
// BackupStale measures the age of the newest good backup.
import type { Log } from '../action/core';
import { push, type Gauge } from './pushgateway';

/** Where a run reports: the Pushgateway and the grouping labels (`env`, and `kind` for backups). */
export interface PushTarget {
  url: string;
  labels: Record<string, string>;
}

export interface RunSeries {
  job: string;
  /** Metric name prefix: `<prefix>_last_success_timestamp_seconds`, … */
  prefix: string;
  /** What the run is, for the log: "backup", "restore drill". */
  what: string;
}

export const BACKUP_SERIES: RunSeries = { job: 'contextai_backup', prefix: 'backup', what: 'backup' };
export const DRILL_SERIES: RunSeries = {
  job: 'contextai_restore_drill',
  prefix: 'restore_drill',
  what: 'restore drill',
};

export interface RunOutcome {
  success: boolean;
  /** When the run ended. */
  at: Date;
  /** The stored backup's size (backups only). */
  sizeBytes?: number;
}

/** The gauges one outcome pushes (a failure: only the last-run pair). */
export function outcomeGauges(series: RunSeries, outcome: RunOutcome): Gauge[] {
  const p = series.prefix;
  const at = Math.floor(outcome.at.getTime() / 1000);
  const lastRun: Gauge[] = [
    { name: `${p}_last_run_timestamp_seconds`, help: `When the last ${series.what} ended.`, value: at },
    {
      name: `${p}_last_run_success`,
      help: `1 if the last ${series.what} succeeded, else 0.`,
      value: outcome.success ? 1 : 0,
    },
  ];
  if (!outcome.success) return lastRun;
  const success: Gauge[] = [
    {
      name: `${p}_last_success_timestamp_seconds`,
      help: `When the last successful ${series.what} ended.`,
      value: at,
    },
    ...lastRun,
  ];
  if (outcome.sizeBytes !== undefined)
    success.push({
      name: `${p}_size_bytes`,
      help: `Size of the last successful ${series.what} as stored.`,
      value: outcome.sizeBytes,
    });
  return success;
}

/** Pushes the outcome: PUT on success (the group is exactly this run), POST on failure. */
export async function pushOutcome(target: PushTarget, series: RunSeries, outcome: RunOutcome): Promise<void> {
  await push({ url: target.url, job: series.job, labels: target.labels }, outcomeGauges(series, outcome), {
    mode: outcome.success ? 'replace' : 'update',
  });
}

/**
 * Reports the outcome when a target is set. A push that fails is a warning, never the run's
 * failure: the backup itself is what matters, and a missing push shows up as BackupStale or
 * BackupMetricsMissing.
 */
export async function reportOutcome(
  target: PushTarget | undefined,
  series: RunSeries,
  outcome: RunOutcome,
  log: Log,
): Promise<void> {
  if (!target) return;
  try {
    await pushOutcome(target, series, outcome);
    const labels = Object.entries(target.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    log.info(
      `Pushed the ${series.what} outcome (${outcome.success ? 'success' : 'failure'}) to ${series.job} {${labels}}`,
    );
  } catch (error) {
    log.warning(`Could not report the ${series.what} outcome: ${(error as Error).message}`);
  }
}
