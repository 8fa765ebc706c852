// What the monitoring deploy ships: the rule files, the Alertmanager configuration (rendered for
// the host) with its message templates, and the Grafana dashboards, as files of one release.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderAlertmanagerTemplate, type AlertmanagerSettings } from './alertmanager-config';

export interface RuleGroupSummary {
  /** The rule file's name in the release's `rules/`. */
  file: string;
  name: string;
  rules: number;
}

export interface MonitoringBundle {
  /** Path inside the release (`rules/alerts.yml`, …) → content. */
  files: Map<string, Buffer>;
  ruleGroups: RuleGroupSummary[];
  /** The rendered `alertmanager/alertmanager.yml`. */
  alertmanagerConfig: Buffer;
}

/** The paths inside a release the host's Prometheus and Alertmanager read. */
export const RELEASE_PATHS = {
  rules: 'rules',
  alertmanagerConfig: 'alertmanager/alertmanager.yml',
  templates: 'alertmanager',
  dashboards: 'dashboards',
} as const;

const filesIn = (dir: string, suffix: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => e.name)
    .sort();

/**
 * Reads `source` (apps/monitoring's layout): `rules/*.yml`, `alertmanager/alertmanager.yml` (the
 * template, rendered with `settings`; its TEMPLATES_DIR is where the release's templates will be
 * live), `alertmanager/*.tmpl`, `dashboards/*.json`.
 */
export function readBundle(source: string, settings: AlertmanagerSettings): MonitoringBundle {
  const files = new Map<string, Buffer>();
  const ruleGroups: RuleGroupSummary[] = [];
  for (const file of filesIn(join(source, 'rules'), '.yml')) {
    const text = readFileSync(join(source, 'rules', file));
    const groups = (parse(text.toString('utf8')) as { groups?: { name: string; rules?: unknown[] }[] })
      ?.groups;
    if (!Array.isArray(groups)) throw new Error(`${join(source, 'rules', file)} has no rule groups`);
    for (const g of groups) ruleGroups.push({ file, name: g.name, rules: g.rules?.length ?? 0 });
    files.set(`${RELEASE_PATHS.rules}/${file}`, text);
  }
  if (ruleGroups.length === 0) throw new Error(`no rule files in ${join(source, 'rules')}`);
  const template = readFileSync(join(source, RELEASE_PATHS.alertmanagerConfig), 'utf8');
  const alertmanagerConfig = Buffer.from(renderAlertmanagerTemplate(settings, template));
  files.set(RELEASE_PATHS.alertmanagerConfig, alertmanagerConfig);
  for (const file of filesIn(join(source, 'alertmanager'), '.tmpl'))
    files.set(`${RELEASE_PATHS.templates}/${file}`, readFileSync(join(source, 'alertmanager', file)));
  for (const file of filesIn(join(source, 'dashboards'), '.json'))
    files.set(`${RELEASE_PATHS.dashboards}/${file}`, readFileSync(join(source, 'dashboards', file)));
  return { files, ruleGroups, alertmanagerConfig };
}
