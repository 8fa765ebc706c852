import type { Core } from '../../lib/action/core';
import { formatDuration } from '../../lib/action/duration';
import { table, writeSummary } from '../../lib/action/summary';
import type { CheckResult } from '../../lib/smoke/probe';

export async function writeSmokeSummary(core: Pick<Core, 'summary'>, base: string, results: CheckResult[]) {
  await writeSummary(core, (summary) =>
    summary.addHeading(`Smoke test of ${base}`, 3).addTable(
      table(
        ['Check', 'Status', 'Latency', 'Result'],
        results.map((r) => [
          r.check.name,
          r.status ?? '—',
          formatDuration(r.ms ?? 0),
          r.passed ? '✅' : `❌ ${r.reason}`,
        ]),
      ),
    ),
  );
}

/** The JSON report: one entry per check. */
export function reportJson(base: string, results: CheckResult[]): string {
  const rows = results.map((r) => ({
    name: r.check.name,
    method: r.check.method,
    path: r.check.path,
    passed: r.passed,
    status: r.status ?? null,
    ms: r.ms ?? null,
    attempts: r.attempts,
    reason: r.reason ?? null,
  }));
  return `${JSON.stringify({ url: base, passed: results.every((r) => r.passed), results: rows }, null, 2)}\n`;
}
