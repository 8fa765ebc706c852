// Grafana cannot run here: the dashboards' queries run on the stack's real Prometheus instead, with
// Grafana's variables substituted. Shared by dashboards.int.test.ts (exporter panels) and the test
// that deploys the real API (apps/api/__tests__/images.int.test.ts: app panels after traffic).
import { promQuery } from '../../../test/prometheus';
import { DASHBOARDS, RARE_EVENT_PANELS, dashboardQueries } from '../src/dashboards';

/** Grafana's built-in and template variables, as Grafana would fill them in. */
export function substitute(expr: string, values: Record<string, string>): string {
  const out = expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replace(/\$(\w+)/g, (m, name: string) => values[name] ?? m);
  if (/\$\w/.test(out)) throw new Error(`unsubstituted variable in ${out}`);
  return out;
}

export const ALL_QUERIES = DASHBOARDS.flatMap((d) => dashboardQueries(d).map((q) => ({ ...q, uid: d.uid! })));
const EXPORTER = /job="(node|postgres|redis|nginx|edge)"/;
export const isRare = (uid: string, panel: string) => RARE_EVENT_PANELS[uid]?.includes(panel) ?? false;
export const fromApps = (expr: string) => !EXPORTER.test(expr);

/**
 * The panels (`uid / title: expr`) whose query has no series over [since, now] (a range query, as
 * Grafana runs a time series panel), among those `which` selects, rare-event panels left out.
 * A query Prometheus refuses is listed with its error.
 */
export async function emptyPanels(
  prom: string,
  values: Record<string, string>,
  which: (expr: string) => boolean,
  since: number,
): Promise<string[]> {
  const empty: string[] = [];
  for (const q of ALL_QUERIES.filter((q) => which(q.expr) && !isRare(q.uid, q.panel))) {
    const res = await promQuery(prom, substitute(q.expr, values), { start: since / 1000, step: 15 });
    if (res.status !== 200 || res.series === 0)
      empty.push(`${q.uid} / ${q.panel}: ${q.expr}${res.error ? ` (${res.error})` : ''}`);
  }
  return empty;
}
