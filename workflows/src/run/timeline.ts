import { formatDuration } from '../../../actions/lib/action/duration';
import type { RunResult, StepStatus } from './types';

const ICONS: Record<StepStatus, string> = {
  success: '✔ success',
  failure: '✖ failure',
  cancelled: '⊘ cancelled',
  skipped: '○ skipped',
  unsupported: '⚠ NOT RUN',
};

/** The readable timeline: job, step, status, duration, and why when it is not a plain success. */
export function formatTimeline(result: RunResult): string {
  const rows: string[][] = [];
  for (const job of result.jobs) {
    rows.push([job.name, '', ICONS[job.result], duration(job.durationMs), job.note ?? '']);
    for (const step of result.steps.filter((s) => s.job === job.id))
      rows.push(['', step.name, ICONS[step.status], duration(step.durationMs), step.note ?? '']);
  }
  const headers = ['JOB', 'STEP', 'STATUS', 'TIME', 'NOTE'];
  const widths = headers.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const fit = (cell: string, width: number) =>
    cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
  const fmt = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : fit(cell, widths[i]!)))
      .join('  ')
      .trimEnd();
  const unsupported = result.steps.filter((s) => s.status === 'unsupported').length;
  return [
    `Timeline of ${result.workflow}`,
    fmt(headers),
    ...rows.map(fmt),
    `Result: ${result.conclusion.toUpperCase()} in ${duration(result.durationMs)}` +
      (unsupported ? ` (${unsupported} step(s) NOT RUN locally, see NOTE)` : ''),
  ].join('\n');
}

function duration(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}
