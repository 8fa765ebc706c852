import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { SETTINGS, type AlertmanagerSettings } from '../../lib/monitoring/alertmanager-config';
import { readSshTargets, type SshTargets } from '../../lib/ssh/inputs';

export interface MonitoringDeployInputs extends SshTargets {
  root: string;
  source: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  prometheusConfig: string;
  keepReleases: number;
  /** Every Alertmanager setting but TEMPLATES_DIR (the release's own, set by the deploy). */
  alertmanager: Omit<AlertmanagerSettings, 'TEMPLATES_DIR'>;
}

const ABSOLUTE_PATH = {
  pattern: /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._@+/-]+[^/]$/,
  expected: 'an absolute path of letters, digits, `._@+-/` (no `..`, no trailing `/`)',
};
const RELATIVE_PATH = {
  pattern: /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/,
  expected: 'a path inside the checkout such as `apps/monitoring`',
};
const LOCAL_URL = {
  pattern: /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/,
  expected: 'a base URL such as `http://127.0.0.1:9090` (no path)',
};
const setting = (name: keyof typeof SETTINGS, what: string) => ({ pattern: SETTINGS[name], expected: what });

export function readInputs(core: Core): MonitoringDeployInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const ssh = readSshTargets(inputs);
  if (!ssh.user && !inputs.raw('user')) inputs.problem('user', 'is required');
  const result: MonitoringDeployInputs = {
    ...ssh,
    root: inputs.required('root', ABSOLUTE_PATH),
    source: inputs.required('source', RELATIVE_PATH),
    prometheusUrl: inputs.required('prometheus-url', LOCAL_URL),
    alertmanagerUrl: inputs.required('alertmanager-url', LOCAL_URL),
    prometheusConfig: inputs.required('prometheus-config', ABSOLUTE_PATH),
    keepReleases: inputs.integer('keep-releases', { min: 2, max: 100 }),
    alertmanager: {
      PAGERDUTY_URL: inputs.required('pagerduty-url', setting('PAGERDUTY_URL', 'an http(s) URL')),
      SECRETS_DIR: inputs.required('secrets-dir', setting('SECRETS_DIR', 'an absolute path')),
      SMTP_SMARTHOST: inputs.required('smtp-smarthost', setting('SMTP_SMARTHOST', '`host:port`')),
      SMTP_FROM: inputs.required('smtp-from', setting('SMTP_FROM', 'an e-mail address')),
      SMTP_USERNAME: inputs.required('smtp-username', setting('SMTP_USERNAME', 'a user name without spaces')),
      EMAIL_TO: inputs.required('email-to', setting('EMAIL_TO', 'e-mail addresses, comma-separated')),
      SLACK_CHANNEL: inputs.required(
        'slack-channel',
        setting('SLACK_CHANNEL', 'a channel such as `#alerts`'),
      ),
    },
  };
  inputs.done();
  return result;
}
