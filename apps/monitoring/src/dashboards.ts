// Grafana dashboards as code, typed with @grafana/schema. `npm run monitoring:build` writes them to
// dashboards/<uid>.json; grafana/provisioning/ loads them with the Prometheus datasource of fixed uid
// DATASOURCE_UID. Every query is checked against the stack's real Prometheus (dashboards.int.test.ts).
import type { AnnotationQuery, Dashboard, DataSourceRef, Panel, VariableModel } from '@grafana/schema';

export const DATASOURCE_UID = 'contextai-prometheus';
const ds: DataSourceRef = { type: 'prometheus', uid: DATASOURCE_UID };

/** A panel and its queries; `rare` marks panels that may have no series on a healthy system. */
export interface Query {
  expr: string;
  legend?: string;
}
type PanelKind = 'timeseries' | 'stat' | 'table' | 'state-timeline';
interface PanelSpec {
  title: string;
  kind?: PanelKind;
  queries: Query[];
  unit?: string;
  description?: string;
  /** thresholds: [color, from] pairs after the base color */
  thresholds?: [string, number][];
  min?: number;
  max?: number;
  width?: number;
}

/** Panels that may legitimately show no series (an error that has never happened): dashboard uid → titles. */
export const RARE_EVENT_PANELS: Record<string, string[]> = {};

const APP = 'job="apps",env="$env",app=~"$app"';

function panel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  const kind = spec.kind ?? 'timeseries';
  return {
    id,
    type: kind,
    title: spec.title,
    description: spec.description,
    datasource: ds,
    gridPos: { x, y, w: spec.width ?? 12, h: 8 },
    targets: spec.queries.map((q, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: ds,
      expr: q.expr,
      legendFormat: q.legend ?? '__auto',
      ...(kind === 'table' ? { instant: true, format: 'table' } : {}),
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        min: spec.min,
        max: spec.max,
        ...(spec.thresholds
          ? {
              thresholds: {
                mode: 'absolute',
                steps: [
                  { color: 'green', value: null },
                  ...spec.thresholds.map(([color, value]) => ({ color, value })),
                ],
              },
            }
          : {}),
      },
      overrides: [],
    },
    options: kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } } : {},
  } as Panel;
}

/** Lays panels out left to right, two (or by width) per row. */
function layout(specs: PanelSpec[]): Panel[] {
  let x = 0;
  let y = 0;
  return specs.map((spec, i) => {
    const w = spec.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const p = panel(spec, i + 1, x, y);
    x += w;
    return p;
  });
}

const envVariable: VariableModel = {
  name: 'env',
  label: 'Environment',
  type: 'query',
  datasource: ds,
  query: 'label_values(up{job=~"apps|node"}, env)',
  refresh: 1,
  includeAll: false,
  multi: false,
};
const appVariable: VariableModel = {
  name: 'app',
  label: 'App',
  type: 'custom',
  query: 'api,web',
  includeAll: true,
  allValue: 'api|web',
  multi: true,
  current: { text: 'All', value: '$__all' },
};

/** Deploys as annotations: a version label that was not scraped 2 minutes earlier. */
export const DEPLOY_ANNOTATION: AnnotationQuery = {
  name: 'Deploys',
  datasource: ds,
  enable: true,
  iconColor: 'blue',
  target: {
    refId: 'Anno',
    expr:
      'max by (app, version) (up{job="apps",env="$env"})\n' +
      'unless max by (app, version) (up{job="apps",env="$env"} offset 2m)',
    // Prometheus annotation options (Grafana's prometheus datasource reads them from the target)
    step: '1m',
    titleFormat: 'deploy {{app}} {{version}}',
    tagKeys: 'app,version',
  } as never,
};

function dashboard(
  uid: string,
  title: string,
  description: string,
  specs: PanelSpec[],
  variables: VariableModel[] = [envVariable, appVariable],
  rare: string[] = [],
): Dashboard {
  RARE_EVENT_PANELS[uid] = rare;
  return {
    uid,
    title,
    description,
    tags: ['contextai'],
    editable: false,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: 'utc',
    refresh: '1m',
    templating: { list: variables },
    annotations: { list: [DEPLOY_ANNOTATION] },
    panels: layout(specs),
  };
}

const quantile = (q: number, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(http_request_duration_seconds_bucket{${APP}}[$__rate_interval])))`;

/**
 * The 5xx share of requests by `by`: 0 (not "no data") while there are requests and no 5xx, since a
 * rate of a 5xx series that never existed is empty.
 */
function errorRatio(by: string): string {
  const rate = (status: string) =>
    `sum by (${by}) (rate(http_requests_total{${APP}${status}}[$__rate_interval]))`;
  return `(${rate(',status=~"5.."')} or 0 * ${rate('')}) / ${rate('')}`;
}

const slo = dashboard(
  'contextai-slo',
  'Context.AI: SLO overview',
  'Availability (99.9%) and latency (P95 < 500 ms) over 30 days, error budget left and burn rates (rules/slo.yml).',
  [
    {
      title: 'Availability over 30 days (target 99.9%)',
      kind: 'stat',
      width: 6,
      unit: 'percentunit',
      queries: [
        {
          expr: '1 - slo:sli_error:ratio_rate30d{slo="availability",env="$env",app=~"$app"}',
          legend: '{{app}}',
        },
      ],
      thresholds: [
        ['red', 0],
        ['green', 0.999],
      ],
    },
    {
      title: 'Requests within 500 ms over 30 days (target 95%)',
      kind: 'stat',
      width: 6,
      unit: 'percentunit',
      queries: [
        { expr: '1 - slo:sli_error:ratio_rate30d{slo="latency",env="$env",app=~"$app"}', legend: '{{app}}' },
      ],
      thresholds: [
        ['red', 0],
        ['green', 0.95],
      ],
    },
    {
      title: 'Error budget left this period',
      kind: 'stat',
      unit: 'percentunit',
      queries: [
        {
          expr: 'slo:period_error_budget_remaining:ratio{env="$env",app=~"$app"}',
          legend: '{{app}} {{slo}}',
        },
      ],
      thresholds: [
        ['red', 0],
        ['orange', 0.25],
        ['green', 0.5],
      ],
    },
    {
      title: 'Burn rate (1 = spends the budget exactly in 30 days; page at 14.4 and 6)',
      queries: [
        { expr: 'slo:current_burn_rate:ratio{env="$env",app=~"$app"}', legend: '{{app}} {{slo}} 5m' },
        {
          expr: 'slo:sli_error:ratio_rate1h{env="$env",app=~"$app"} / on (slo) group_left () slo:error_budget:ratio',
          legend: '{{app}} {{slo}} 1h',
        },
        {
          expr: 'slo:sli_error:ratio_rate6h{env="$env",app=~"$app"} / on (slo) group_left () slo:error_budget:ratio',
          legend: '{{app}} {{slo}} 6h',
        },
      ],
      thresholds: [
        ['orange', 6],
        ['red', 14.4],
      ],
    },
    {
      title: 'P95 latency against the 500 ms target',
      unit: 's',
      queries: [{ expr: quantile(0.95, 'app'), legend: '{{app}} P95' }],
      thresholds: [['red', 0.5]],
    },
  ],
);

const red = dashboard(
  'contextai-red',
  'Context.AI: API and web (rate, errors, duration)',
  'Requests per route, 5xx, and P50/P95/P99 by route from the apps; 429s and 5xx at the edge.',
  [
    {
      title: 'Requests per second by route',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (app, route) (rate(http_requests_total{${APP}}[$__rate_interval]))`,
          legend: '{{app}} {{route}}',
        },
      ],
    },
    {
      title: '5xx per second by route',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (app, route, status) (rate(http_requests_total{${APP},status=~"5.."}[$__rate_interval]))`,
          legend: '{{app}} {{route}} {{status}}',
        },
      ],
    },
    {
      title: 'Error ratio (5xx) by app',
      unit: 'percentunit',
      queries: [
        {
          expr: errorRatio('app'),
          legend: '{{app}}',
        },
      ],
      thresholds: [['red', 0.05]],
    },
    {
      title: 'P50 by route',
      unit: 's',
      queries: [{ expr: quantile(0.5, 'app, route'), legend: '{{app}} {{route}}' }],
    },
    {
      title: 'P95 by route',
      unit: 's',
      queries: [{ expr: quantile(0.95, 'app, route'), legend: '{{app}} {{route}}' }],
    },
    {
      title: 'P99 by route',
      unit: 's',
      queries: [{ expr: quantile(0.99, 'app, route'), legend: '{{app}} {{route}}' }],
    },
    {
      title: 'Edge: requests per second by status',
      unit: 'reqps',
      queries: [
        {
          expr: 'sum by (app, status) (rate(edge_http_requests_total{job="edge",env="$env",app=~"$app"}[$__rate_interval]))',
          legend: '{{app}} {{status}}',
        },
      ],
    },
    {
      title: 'Edge: 429 (rate limited) and 5xx per second',
      unit: 'reqps',
      queries: [
        {
          expr: 'sum by (app, status) (rate(edge_http_requests_total{job="edge",env="$env",app=~"$app",status=~"429|5.."}[$__rate_interval]))',
          legend: '{{app}} {{status}}',
        },
      ],
    },
    {
      title: 'Edge: P95 request time',
      unit: 's',
      queries: [
        {
          expr: 'histogram_quantile(0.95, sum by (le, app) (rate(edge_http_request_duration_seconds_bucket{job="edge",env="$env",app=~"$app"}[$__rate_interval])))',
          legend: '{{app}}',
        },
      ],
    },
  ],
  undefined,
  ['5xx per second by route', 'Edge: 429 (rate limited) and 5xx per second'],
);

const data = dashboard(
  'contextai-data',
  'Context.AI: database and Redis',
  'PostgreSQL (postgres exporter), the API connection pool, Redis (redis exporter) and the API caches.',
  [
    {
      title: 'PostgreSQL up',
      kind: 'stat',
      width: 6,
      queries: [{ expr: 'pg_up{job="postgres",env="$env"}', legend: '{{instance}}' }],
      thresholds: [
        ['red', 0],
        ['green', 1],
      ],
    },
    {
      title: 'Redis up',
      kind: 'stat',
      width: 6,
      queries: [{ expr: 'redis_up{job="redis",env="$env"}', legend: '{{instance}}' }],
      thresholds: [
        ['red', 0],
        ['green', 1],
      ],
    },
    {
      title: 'PostgreSQL connections against max_connections',
      queries: [
        {
          expr: 'sum by (instance) (pg_stat_database_numbackends{job="postgres",env="$env"})',
          legend: 'connections',
        },
        {
          expr: 'max by (instance) (pg_settings_max_connections{job="postgres",env="$env"})',
          legend: 'max_connections',
        },
      ],
    },
    {
      title: 'Transactions per second by database',
      unit: 'ops',
      queries: [
        {
          expr: 'sum by (datname) (rate(pg_stat_database_xact_commit{job="postgres",env="$env"}[$__rate_interval]) + rate(pg_stat_database_xact_rollback{job="postgres",env="$env"}[$__rate_interval]))',
          legend: '{{datname}}',
        },
      ],
    },
    {
      title: 'API pool: connections in use / idle, waiting requests',
      queries: [
        {
          expr: 'sum by (app, state) (db_pool_connections{job="apps",env="$env"})',
          legend: '{{app}} {{state}}',
        },
        { expr: 'sum by (app) (db_pool_waiting_requests{job="apps",env="$env"})', legend: '{{app}} waiting' },
      ],
    },
    {
      title: 'API pool and Redis errors per second',
      unit: 'ops',
      queries: [
        {
          expr: 'sum by (app) (rate(db_pool_errors_total{job="apps",env="$env"}[$__rate_interval]))',
          legend: '{{app}} db pool',
        },
        {
          expr: 'sum by (app) (rate(redis_errors_total{job="apps",env="$env"}[$__rate_interval]))',
          legend: '{{app}} redis',
        },
      ],
    },
    {
      title: 'Redis memory and clients',
      queries: [
        { expr: 'redis_memory_used_bytes{job="redis",env="$env"}', legend: 'memory used (bytes)' },
        { expr: 'redis_connected_clients{job="redis",env="$env"}', legend: 'clients' },
      ],
    },
    {
      title: 'Cache hit ratio by cache',
      unit: 'percentunit',
      queries: [
        {
          expr: 'sum by (cache) (rate(cache_requests_total{job="apps",env="$env",result="hit"}[$__rate_interval])) / sum by (cache) (rate(cache_requests_total{job="apps",env="$env"}[$__rate_interval]))',
          legend: '{{cache}}',
        },
      ],
    },
  ],
  [envVariable],
  // The API has no cache yet: cache_requests_total is declared (the metrics contract) and never
  // incremented, so this panel stays empty until a cache lands; then take it off this list.
  ['Cache hit ratio by cache'],
);

const NODE = 'job="node",env="$env",instance=~"$instance"';
const FS = `${NODE},fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*"`;
const host = dashboard(
  'contextai-host',
  'Context.AI: hosts',
  'CPU, memory, disks, load and network of every host (node exporter); alerts at 80% disk and 85% memory.',
  [
    {
      title: 'CPU busy',
      unit: 'percentunit',
      queries: [
        {
          expr: `1 - avg by (instance) (rate(node_cpu_seconds_total{${NODE},mode="idle"}[$__rate_interval]))`,
          legend: '{{instance}}',
        },
      ],
      min: 0,
      max: 1,
    },
    {
      title: 'Memory used (alert at 85%)',
      unit: 'percentunit',
      queries: [
        {
          expr: `1 - node_memory_MemAvailable_bytes{${NODE}} / node_memory_MemTotal_bytes{${NODE}}`,
          legend: '{{instance}}',
        },
      ],
      thresholds: [['red', 0.85]],
      min: 0,
      max: 1,
    },
    {
      title: 'Disk used by mount point (alert at 80%)',
      unit: 'percentunit',
      queries: [
        {
          expr: `1 - node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}`,
          legend: '{{instance}} {{mountpoint}}',
        },
      ],
      thresholds: [['red', 0.8]],
      min: 0,
      max: 1,
    },
    { title: 'Load (1 minute)', queries: [{ expr: `node_load1{${NODE}}`, legend: '{{instance}}' }] },
    {
      title: 'Network received / sent',
      unit: 'Bps',
      queries: [
        {
          expr: `sum by (instance) (rate(node_network_receive_bytes_total{${NODE},device!="lo"}[$__rate_interval]))`,
          legend: '{{instance}} in',
        },
        {
          expr: `sum by (instance) (rate(node_network_transmit_bytes_total{${NODE},device!="lo"}[$__rate_interval]))`,
          legend: '{{instance}} out',
        },
      ],
    },
    {
      title: 'nginx connections (stub_status)',
      queries: [{ expr: 'nginx_connections_active{job="nginx",env="$env"}', legend: '{{instance}} active' }],
    },
  ],
  [
    envVariable,
    {
      name: 'instance',
      label: 'Host',
      type: 'query',
      datasource: ds,
      query: 'label_values(node_uname_info{job="node",env="$env"}, instance)',
      refresh: 1,
      includeAll: true,
      allValue: '.*',
      multi: true,
    },
  ],
);

const business = dashboard(
  'contextai-business',
  'Context.AI: business',
  'Knowledge sources created, deleted and listed per sector; failed authentications by reason.',
  [
    {
      title: 'Knowledge sources created in the range, by sector',
      kind: 'stat',
      queries: [
        {
          expr: 'sum by (sector) (increase(knowledge_sources_created_total{job="apps",env="$env"}[$__range]))',
          legend: '{{sector}}',
        },
      ],
    },
    {
      title: 'Knowledge sources deleted in the range, by sector',
      kind: 'stat',
      queries: [
        {
          expr: 'sum by (sector) (increase(knowledge_sources_deleted_total{job="apps",env="$env"}[$__range]))',
          legend: '{{sector}}',
        },
      ],
    },
    {
      title: 'Source listings per minute by sector',
      unit: 'short',
      queries: [
        {
          expr: 'sum by (sector) (rate(knowledge_source_listings_total{job="apps",env="$env"}[$__rate_interval])) * 60',
          legend: '{{sector}}',
        },
      ],
    },
    {
      title: 'Failed authentications per minute by reason (alert above 30)',
      queries: [
        {
          expr: 'sum by (reason) (rate(auth_failures_total{job="apps",env="$env"}[$__rate_interval])) * 60',
          legend: '{{reason}}',
        },
      ],
      thresholds: [['red', 30]],
    },
  ],
  [envVariable],
  [
    'Knowledge sources deleted in the range, by sector',
    'Failed authentications per minute by reason (alert above 30)',
  ],
);

const deploys = dashboard(
  'contextai-deploys',
  'Context.AI: deploys',
  'Which version serves where (the version label of the live slot), deploys as annotations, and how each version behaves.',
  [
    {
      title: 'Live versions',
      kind: 'table',
      queries: [
        {
          expr: 'max by (app, version, slot, instance) (up{job="apps",env="$env"})',
          legend: '{{app}} {{version}}',
        },
      ],
      width: 24,
    },
    {
      title: 'Version over time',
      kind: 'state-timeline',
      queries: [
        {
          expr: 'count by (app, version) (up{job="apps",env="$env",app=~"$app"})',
          legend: '{{app}} {{version}}',
        },
      ],
      width: 24,
    },
    {
      title: 'Requests per second by version',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (app, version) (rate(http_requests_total{${APP}}[$__rate_interval]))`,
          legend: '{{app}} {{version}}',
        },
      ],
    },
    {
      title: 'Error ratio (5xx) by version',
      unit: 'percentunit',
      queries: [
        {
          expr: errorRatio('app, version'),
          legend: '{{app}} {{version}}',
        },
      ],
    },
    {
      title: 'Backups: age of the newest good backup',
      unit: 's',
      queries: [
        {
          expr: 'time() - backup_last_success_timestamp_seconds{job="contextai_backup",env="$env"}',
          legend: '{{kind}}',
        },
      ],
    },
  ],
  undefined,
  ['Backups: age of the newest good backup'],
);

export const DASHBOARDS: Dashboard[] = [slo, red, data, host, business, deploys];

/** Every PromQL expression of a dashboard: panel targets, variable queries and annotations. */
export function dashboardQueries(d: Dashboard): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  for (const p of (d.panels ?? []) as Panel[])
    for (const t of p.targets ?? []) out.push({ panel: p.title ?? '', expr: (t as { expr: string }).expr });
  for (const a of d.annotations?.list ?? [])
    out.push({ panel: `annotation ${a.name}`, expr: (a.target as unknown as { expr: string }).expr });
  return out;
}
