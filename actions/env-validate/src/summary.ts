import type { Core } from '../../lib/action/core';
import { table, writeSummary } from '../../lib/action/summary';
import type { Report } from '../../lib/env/validate';

const ICON = {
  ok: '✅ ok',
  missing: '❌ missing',
  invalid: '❌ invalid',
  extra: '❌ extra',
  unset: '➖ unset',
} as const;

/** One row per variable of the schema: its status and why, never its value. */
export async function writeValidationSummary(core: Pick<Core, 'summary'>, report: Report, where: string) {
  await writeSummary(core, (summary) =>
    summary
      .addHeading(`Environment variables${where}`, 3)
      .addRaw(
        report.valid
          ? 'All variables are valid.'
          : `${report.missing.length} missing, ${report.invalid.length} invalid.`,
        true,
      )
      .addTable(
        table(
          ['Name', 'Status', 'Reason'],
          report.results.map((r) => [r.name, ICON[r.status], r.reason]),
        ),
      ),
  );
}
