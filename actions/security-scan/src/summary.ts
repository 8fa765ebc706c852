import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { GateResult } from '../../lib/scan/gate';
import { SEVERITIES, type Severity } from '../../lib/scan/trivy-report';
import type { DbMetadata } from '../../lib/scan/scan';

/** Findings shown in the job summary; the SARIF file and the JSON report hold all of them. */
export const SUMMARY_LIMIT = 20;

export interface ScanSummary {
  imageRef: string;
  trivyVersion: string;
  toolCached: boolean;
  db?: DbMetadata;
  severities: Severity[];
  ignoreUnfixed: boolean;
  gate: GateResult;
  durationMs: number;
}

export function countRows(summary: ScanSummary): string[][] {
  return SEVERITIES.map((severity) => [
    severity,
    String(summary.gate.counts[severity]),
    summary.severities.includes(severity) ? 'yes' : 'no',
  ]);
}

export function findingRows(gate: GateResult, limit = SUMMARY_LIMIT): string[][] {
  return gate.blocking
    .slice(0, limit)
    .map((f) => [f.severity, f.id, f.pkg, f.installed, f.fixed || '(no fix)', f.target]);
}

export function verdict(summary: ScanSummary): string {
  const gated = summary.severities.join(', ');
  const unfixed = summary.ignoreUnfixed ? ', unfixed ignored' : '';
  if (summary.gate.passed) return `✅ No ${gated} findings${unfixed}.`;
  return `❌ ${summary.gate.blocking.length} finding(s) at ${gated}${unfixed}.`;
}

export async function writeScanSummary(core: Pick<Core, 'summary'>, summary: ScanSummary): Promise<void> {
  const { gate } = summary;
  const db = summary.db?.updatedAt ? `DB updated ${summary.db.updatedAt}` : 'no cached DB';
  await writeSummary(core, (s) => {
    s.addHeading(`Trivy scan of ${summary.imageRef}`, 3)
      .addRaw(verdict(summary), true)
      .addRaw(
        `Trivy ${summary.trivyVersion} (${summary.toolCached ? 'from the tool cache' : 'downloaded, checksum verified'}), ${db}, ${formatDuration(summary.durationMs)}.`,
        true,
      )
      .addTable(table(['Severity', 'Findings', 'Gated'], countRows(summary)));
    if (gate.blocking.length > 0) {
      const more =
        gate.blocking.length > SUMMARY_LIMIT ? ` (first ${SUMMARY_LIMIT} of ${gate.blocking.length})` : '';
      s.addHeading(`Blocking findings${more}`, 4).addTable(
        table(['Severity', 'ID', 'Package', 'Installed', 'Fixed', 'Target'], findingRows(gate)),
      );
    }
  });
}
