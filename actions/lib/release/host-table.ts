import { formatDuration } from '../action/duration';
import { table } from '../action/summary';
import type { FleetOutcome } from './fleet';

/** One row per host for a deploy's or a rollback's job summary. */
export function hostTable(outcome: FleetOutcome, version: string) {
  return table(
    ['Host', 'Version', 'Previous', 'Result', 'Pull', 'Switch', 'Total'],
    outcome.hosts.map((h) => [
      h.label,
      version,
      h.record.before?.version ?? '—',
      h.record.result ?? 'failed',
      formatDuration(h.timings.pullMs),
      formatDuration(h.timings.switchMs),
      formatDuration((h.timings.finishedAt || Date.now()) - h.timings.startedAt),
    ]),
  );
}
