// Grafana cannot run here, so every dashboard query runs on the stack's real Prometheus instead:
// Grafana's variables substituted, HTTP 400 (or 422) = an invalid query. A panel with no series
// after traffic has a wrong metric or label name, unless it is on the rare-event list
// (RARE_EVENT_PANELS: errors that a healthy system may never have had). Exporter panels are
// checked here; the apps' panels where the real API image is deployed and scraped
// (apps/api/__tests__/scraped-deploy.ts, run by images.int.test.ts, which builds the image).
import type { Dashboard, VariableModel } from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { promQuery, until } from '../../../test/prometheus';
import { stackEnv } from '../../../test/stack-env';
import { DASHBOARDS, RARE_EVENT_PANELS, dashboardQueries } from '../src/dashboards';
import { ALL_QUERIES as all, emptyPanels, fromApps, substitute } from './panel-check';

const env = stackEnv();
const PROM = env.STACK_PROMETHEUS_URL!;
const ENV = env.STACK_MONITORING_ENV!;
const VALUES = { env: ENV, app: 'api|web', instance: '.*' };
const query = (expr: string) => promQuery(PROM, expr);

/** `label_values(selector, label)` → Prometheus's label values API (400 on a bad selector). */
async function variableQuery(v: VariableModel): Promise<number> {
  const m = /^label_values\((.*),\s*(\w+)\)$/.exec(String(v.query));
  if (!m) throw new Error(`variable ${v.name}: only label_values(selector, label) is used here`);
  const url = `${PROM}/api/v1/label/${m[2]}/values?${new URLSearchParams({ 'match[]': substitute(m[1]!, VALUES) })}`;
  return (await fetch(url)).status;
}

describe('dashboards on the real Prometheus', () => {
  it('six dashboards, each with its uid, the fixed datasource and at least one panel', () => {
    expect(DASHBOARDS.map((d: Dashboard) => d.uid)).toEqual([
      'contextai-slo',
      'contextai-red',
      'contextai-data',
      'contextai-host',
      'contextai-business',
      'contextai-deploys',
    ]);
    for (const d of DASHBOARDS) expect(dashboardQueries(d).length).toBeGreaterThan(1);
    for (const [uid, titles] of Object.entries(RARE_EVENT_PANELS))
      for (const t of titles)
        expect(
          all.some((q) => q.uid === uid && q.panel === t),
          `${uid}: ${t}`,
        ).toBe(true);
  });

  it('the checker itself rejects a wrong query and substitutes every variable', async () => {
    expect((await query('sum(rate(http_requests_total[5m]')).status).toBe(400);
    expect(() => substitute('up{env="$nope"}', VALUES)).toThrow(/unsubstituted/);
    expect(substitute('rate(x{env="$env",app=~"$app"}[$__rate_interval])', VALUES)).toBe(
      `rate(x{env="${ENV}",app=~"api|web"}[1m])`,
    );
  });

  it.each(all.map((q) => [`${q.uid} / ${q.panel}`, q] as const))('%s: valid PromQL', async (_name, q) => {
    const res = await query(substitute(q.expr, VALUES));
    expect(res.error ?? '', q.expr).toBe('');
    expect(res.status).toBe(200);
  });

  it('every template variable query is valid', async () => {
    for (const d of DASHBOARDS)
      for (const v of d.templating?.list ?? [])
        if (v.type === 'query') expect(await variableQuery(v), `${d.uid} $${v.name}`).toBe(200);
  });

  it('every exporter panel has series (after a request through the stack nginx)', async () => {
    const since = Date.now() - 10 * 60_000;
    await fetch(`${env.STACK_NGINX_URL}/dashboards-test`).catch(() => {}); // a 404 in the JSON access log
    await until(
      'the edge request metrics',
      async () => (await query(`edge_http_requests_total{env="${ENV}"}`)).series > 0,
    );
    expect(await emptyPanels(PROM, VALUES, (expr) => !fromApps(expr), since)).toEqual([]);
  });
});
