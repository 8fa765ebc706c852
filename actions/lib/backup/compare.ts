import type { TableCount } from './manifest';

export interface Comparison {
  ok: boolean;
  missing: string[];
  extra: string[];
  different: { table: string; expected: number; actual: number }[];
}

const nameOf = (t: TableCount) => `${t.schema}.${t.table}`;

/** Compares a restored database's tables and row counts with the manifest's. */
export function compareTables(expected: TableCount[], actual: TableCount[]): Comparison {
  const want = new Map(expected.map((t) => [nameOf(t), t.rows]));
  const have = new Map(actual.map((t) => [nameOf(t), t.rows]));
  const missing = [...want.keys()].filter((name) => !have.has(name));
  const extra = [...have.keys()].filter((name) => !want.has(name));
  const different = [...want]
    .filter(([name, rows]) => have.has(name) && have.get(name) !== rows)
    .map(([table, rows]) => ({ table, expected: rows, actual: have.get(table)! }));
  return { ok: missing.length + extra.length + different.length === 0, missing, extra, different };
}

export function describeComparison(c: Comparison): string {
  if (c.ok) return 'tables and row counts match the manifest';
  const parts = [
    c.missing.length ? `missing tables: ${c.missing.join(', ')}` : '',
    c.extra.length ? `unexpected tables: ${c.extra.join(', ')}` : '',
    ...c.different.map((d) => `${d.table}: ${d.actual} rows, manifest says ${d.expected}`),
  ];
  return parts.filter(Boolean).join('; ');
}
