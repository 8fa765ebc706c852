import type { Core } from '../../lib/action/core';
import { formatBytes, formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';

export interface BuildReport {
  image: string;
  engine: string;
  refs: string[];
  imageId: string;
  sizeBytes: number;
  /** 0 = no budget. */
  maxBytes: number;
  buildMs: number;
  digest?: string;
  pushMs?: number;
  overBudget?: boolean;
}

/** Size against budget, e.g. `2.0 MiB of 10.0 MiB (20%)`. */
export function sizeVersusBudget(sizeBytes: number, maxBytes: number): string {
  if (maxBytes <= 0) return `${formatBytes(sizeBytes)} (no budget)`;
  const share = Math.round((sizeBytes / maxBytes) * 100);
  return `${formatBytes(sizeBytes)} of ${formatBytes(maxBytes)} (${share}%)${sizeBytes > maxBytes ? ' ❌ over budget' : ' ✅'}`;
}

export function summaryRows(report: BuildReport): string[][] {
  const rows = [
    ['Engine', report.engine],
    ['Image ID', report.imageId],
    ['Size (uncompressed)', sizeVersusBudget(report.sizeBytes, report.maxBytes)],
    ['Build time', formatDuration(report.buildMs)],
  ];
  if (report.digest) rows.push(['Digest', report.digest], ['Push time', formatDuration(report.pushMs ?? 0)]);
  else rows.push(['Pushed', report.overBudget ? 'no (over budget)' : 'no (push: false)']);
  return rows;
}

export async function writeBuildSummary(core: Pick<Core, 'summary'>, report: BuildReport): Promise<void> {
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Image ${report.image}`, 3)
      .addTable(table(['', ''], summaryRows(report)))
      .addRaw('Tags:', true)
      .addList(report.refs.map((ref) => `<code>${ref}</code>`)),
  );
}
