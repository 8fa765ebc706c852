// The shipped Alertmanager template and its renderer (the renderer itself lives in
// actions/lib/monitoring, shared with the monitoring deploy).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAlertmanagerTemplate } from '../../../actions/lib/monitoring/alertmanager-config';
import { MONITORING_DIR } from './paths';

export {
  SECRET_FILES,
  SETTINGS,
  validateSettings,
  type AlertmanagerSettings,
} from '../../../actions/lib/monitoring/alertmanager-config';

export const ALERTMANAGER_TEMPLATE = join(MONITORING_DIR, 'alertmanager', 'alertmanager.yml');
export const ALERTMANAGER_TEMPLATES_DIR = join(MONITORING_DIR, 'alertmanager');

/** The shipped template (or `template`) rendered with `settings`. */
export function renderAlertmanagerConfig(
  settings: Partial<Record<string, string>>,
  template = readFileSync(ALERTMANAGER_TEMPLATE, 'utf8'),
): string {
  return renderAlertmanagerTemplate(settings, template);
}
