// Test-specific configurations DERIVED from the shipped ones, so scenarios take seconds instead of
// minutes: shorter `for:` on the selected alerts, 1 s scrape/evaluation, 1 s group_wait. Nothing
// else changes (expressions, labels, routes, receivers, inhibitions are the shipped ones), and
// the shipped files are never touched. docs/ALERTING.md explains it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { MONITORING_DIR } from './paths';

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; for?: string }[] }[];
}

/** The shipped alerting rules named in `alerts`, each with `for:` shortened to `forDuration`. */
export function derivedRules(alerts: string[], forDuration = '2s'): string {
  const file = parse(readFileSync(join(MONITORING_DIR, 'rules', 'alerts.yml'), 'utf8')) as RuleFile;
  const groups = file.groups
    .map((g) => ({
      ...g,
      rules: g.rules
        .filter((r) => r.alert && alerts.includes(r.alert))
        .map((r) => (r.for ? { ...r, for: forDuration } : r)),
    }))
    .filter((g) => g.rules.length > 0);
  const found = groups.flatMap((g) => g.rules.map((r) => r.alert));
  const missing = alerts.filter((a) => !found.includes(a));
  if (missing.length) throw new Error(`no such alerts in rules/alerts.yml: ${missing.join(', ')}`);
  return stringify({ groups });
}

/** The rendered Alertmanager configuration with 1 s group_wait and 2 s group_interval. */
export function derivedAlertmanagerConfig(rendered: string): string {
  const config = parse(rendered) as { route: Record<string, unknown> };
  config.route.group_wait = '1s';
  config.route.group_interval = '2s';
  return stringify(config);
}

/** A Prometheus configuration for the test: 1 s intervals, one Alertmanager, the given jobs. */
export function testPrometheusConfig(options: {
  alertmanager: string;
  ruleFile: string;
  jobs: {
    job_name: string;
    targets: string[];
    honor_labels?: boolean;
    labels?: Record<string, string>;
    scrape_interval?: string;
    scrape_timeout?: string;
  }[];
}): string {
  return stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [options.alertmanager] }] }] },
    rule_files: [options.ruleFile],
    scrape_configs: options.jobs.map(({ targets, labels, ...job }) => ({
      ...job,
      static_configs: [{ targets, ...(labels ? { labels } : {}) }],
    })),
  });
}
