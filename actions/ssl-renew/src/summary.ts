import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { Basis, Decision } from '../../lib/tls/decision';

/** What the run did, filled in as it goes, written as the job summary even when it failed. */
export interface Report {
  domains: string[];
  hosts: string[];
  startedAt: number;
  decision?: Decision;
  oldNotAfter?: Date;
  newNotAfter?: Date;
  renewed?: boolean;
  hostResults: { host: string; result: string }[];
  error?: string;
}

const BASIS_LABEL: Record<Basis, string> = {
  forced: 'forced',
  missing: 'no certificate installed',
  placeholder: 'placeholder certificate',
  domains: 'names not covered',
  'hosts-differ': 'hosts differ',
  expired: 'expired',
  ari: 'ARI window',
  lifetime: 'lifetime fraction',
  'renew-before': 'renew-before',
};

function outcome(report: Report): string {
  if (report.error) return '❌ failed, previous certificate kept';
  if (report.renewed) return '✅ renewed';
  return '➖ not due';
}

export async function writeRenewalSummary(core: Pick<Core, 'summary'>, report: Report): Promise<void> {
  const date = (d?: Date) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '–');
  const decision = report.decision;
  await writeSummary(core, (summary) => {
    summary
      .addHeading(`TLS certificate: ${outcome(report)}`, 3)
      .addTable(
        table(
          ['Domains', 'Hosts', 'Old expiry', 'New expiry', 'Decision', 'Reason'],
          [
            [
              report.domains.join(', '),
              report.hosts.join(', '),
              date(report.oldNotAfter),
              date(report.newNotAfter),
              decision ? `${decision.renew ? 'renew' : 'keep'} (${BASIS_LABEL[decision.basis]})` : '–',
              decision?.reason ?? '–',
            ],
          ],
        ),
      );
    if (report.hostResults.length > 0) {
      summary.addTable(
        table(
          ['Host', 'Result'],
          report.hostResults.map((r) => [r.host, r.result]),
        ),
      );
    }
    if (report.error) summary.addCodeBlock(report.error, 'text');
    summary.addRaw(`Took ${formatDuration(Date.now() - report.startedAt)}.`, true);
  });
}
