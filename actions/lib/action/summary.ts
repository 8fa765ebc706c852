import type { Core } from './core';

export type Cell = string | number | boolean;

/** Header row + data rows in the shape `core.summary.addTable` takes. */
export function table(headers: string[], rows: Cell[][]) {
  return [
    headers.map((data) => ({ data, header: true })),
    ...rows.map((row) => row.map((cell) => String(cell))),
  ];
}

/**
 * Writes the job summary when the runner provides a summary file; outside a
 * runner (a terminal, an operator script) it is a no-op instead of an error.
 */
export async function writeSummary(
  core: Pick<Core, 'summary'>,
  build: (summary: Core['summary']) => void,
): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  build(core.summary);
  await core.summary.write();
}
