// SLOs as code: the objectives of Context.AI and the Prometheus rules they produce (recording rules
// per window, multiwindow multi-burn-rate alerts as in Google's SRE workbook; the same shape as the
// rules slok/sloth generates, see docs/ALERTING.md). `npm run monitoring:build` writes rules/slo.yml.

export interface Slo {
  /** label value `slo` on every series of this SLO */
  name: 'availability' | 'latency';
  /** the target, as a ratio of good events (0.999 = 99.9%) */
  objective: number;
  description: string;
  /** PromQL of the error ratio over `[WINDOW]`, by (app, env) */
  errorRatio: string;
}

const APPS = 'job="apps"';

export const SLOS: Slo[] = [
  {
    name: 'availability',
    objective: 0.999,
    description: '99.9% of requests to the API and to the web answer without a 5xx, over 30 days',
    errorRatio: `1 - (
  sum by (app, env) (rate(http_requests_total{${APPS},status!~"5.."}[WINDOW]))
  /
  sum by (app, env) (rate(http_requests_total{${APPS}}[WINDOW]))
)`,
  },
  {
    // "P95 < 500 ms" as an SLO: at least 95% of requests take at most 0.5 s (a histogram bucket).
    name: 'latency',
    objective: 0.95,
    description:
      '95% of requests to the API and to the web answer within 500 ms (P95 < 500 ms), over 30 days',
    errorRatio: `1 - (
  sum by (app, env) (rate(http_request_duration_seconds_bucket{${APPS},le="0.5"}[WINDOW]))
  /
  sum by (app, env) (rate(http_request_duration_seconds_count{${APPS}}[WINDOW]))
)`,
  },
];

/** The windows of the error-ratio recording rules: every alert window below, and the SLO period. */
export const WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export const PERIOD = '30d';

/** Burn-rate alerts: (long window AND short window) pairs, any pair fires. */
export const BURN_ALERTS = [
  {
    alert: 'SLOBudgetBurnFast',
    severity: 'page',
    pairs: [
      { factor: 14.4, long: '1h', short: '5m' }, // 2% of the 30-day budget in 1 h
      { factor: 6, long: '6h', short: '30m' }, // 5% in 6 h
    ],
  },
  {
    alert: 'SLOBudgetBurnSlow',
    severity: 'ticket',
    pairs: [
      { factor: 3, long: '1d', short: '2h' }, // 10% in 1 day
      { factor: 1, long: '3d', short: '6h' }, // 10% in 3 days
    ],
  },
] as const;

export const RUNBOOK = 'https://github.com/contextai/delivery/blob/main/docs/RUNBOOK.md';

type Rule = Record<string, unknown>;

const round = (n: number) => Number(n.toPrecision(12)); // 1 - 0.999 is 0.0010000000000000009

function recordingRules(slo: Slo): Rule[] {
  const budget = round(1 - slo.objective);
  const labels = { slo: slo.name };
  const windows: Rule[] = WINDOWS.map((w) => ({
    record: `slo:sli_error:ratio_rate${w}`,
    expr: slo.errorRatio.replaceAll('[WINDOW]', `[${w}]`) + '\n',
    labels,
  }));
  const sel = `{slo="${slo.name}"}`;
  return [
    ...windows,
    {
      // the 30-day ratio from the 5-minute one, as sloth does (cheap: no 30 days of raw counters)
      record: `slo:sli_error:ratio_rate${PERIOD}`,
      expr: `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])\n/\ncount_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])\n`,
      labels,
    },
    { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
    { record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate5m${sel} / ${budget}`, labels },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `slo:sli_error:ratio_rate${PERIOD}${sel} / ${budget}`,
      labels,
    },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - slo:period_burn_rate:ratio${sel}`,
      labels,
    },
  ];
}

function burnAlert(slo: Slo, spec: (typeof BURN_ALERTS)[number]): Rule {
  const budget = round(1 - slo.objective);
  const sel = `{slo="${slo.name}"}`;
  const over = (w: string, f: number) => `slo:sli_error:ratio_rate${w}${sel} > ${round(f * budget)}`;
  const expr = spec.pairs
    .map((p) => `(\n  ${over(p.long, p.factor)}\n  and\n  ${over(p.short, p.factor)}\n)`)
    .join('\nor\n');
  const windows = spec.pairs.map((p) => `${p.factor}x over ${p.long} and ${p.short}`).join(', or ');
  return {
    alert: spec.alert,
    expr: expr + '\n',
    labels: { severity: spec.severity, slo: slo.name },
    annotations: {
      summary: `{{ $labels.app }} ({{ $labels.env }}) is burning its ${slo.name} error budget too fast`,
      description:
        `The ${slo.name} SLO (${slo.description}) allows an error ratio of ${budget}. ` +
        `The error ratio over the longer window is {{ $value | humanizePercentage }} ` +
        `(alert at ${windows}).`,
      runbook_url: `${RUNBOOK}#${spec.alert.toLowerCase()}`,
    },
  };
}

/**
 * The rule file rules/slo.yml as data (serialized by build.ts). One group per SLO, its alerts after
 * its recordings: rules of a group run in order, so an alert always sees the recordings of the same
 * evaluation (separate groups run independently, and promtool orders them at random).
 */
export function sloRuleFile(): { groups: Rule[] } {
  return {
    groups: SLOS.map((slo) => ({
      name: `slo-${slo.name}`,
      rules: [...recordingRules(slo), ...BURN_ALERTS.map((spec) => burnAlert(slo, spec))],
    })),
  };
}
