// Renders the Alertmanager configuration template (apps/monitoring/alertmanager/alertmanager.yml,
// `${NAME}` placeholders) for one monitoring host. The settings are addresses and paths only: the
// secrets stay in files under SECRETS_DIR that Alertmanager reads itself (*_file fields), so the
// rendered file holds none. Used by the monitoring deploy and apps/monitoring's renderer.
import { createHash } from 'node:crypto';

/** The placeholders of the template, with what each must look like. */
export const SETTINGS = {
  PAGERDUTY_URL: /^https?:\/\/[^\s'"]+$/,
  SECRETS_DIR: /^\/[A-Za-z0-9_.@+/-]+$/,
  TEMPLATES_DIR: /^\/[A-Za-z0-9_.@+/-]+$/,
  SMTP_SMARTHOST: /^[A-Za-z0-9.-]+:\d{1,5}$/,
  SMTP_FROM: /^[^\s@'"]+@[^\s@'"]+$/,
  SMTP_USERNAME: /^[^\s'"]+$/,
  EMAIL_TO: /^[^\s@'"]+@[^\s@'"]+(,\s*[^\s@'"]+@[^\s@'"]+)*$/,
  SLACK_CHANNEL: /^#[a-z0-9_-]+$/,
} as const;

export type AlertmanagerSettings = Record<keyof typeof SETTINGS, string>;

/** The secret files Alertmanager reads from SECRETS_DIR (each must exist on the host). */
export const SECRET_FILES = ['pagerduty-routing-key', 'slack-webhook-url', 'smtp-password'] as const;

/** Every bad or missing setting in one message (names and expected forms, never values). */
export function validateSettings(settings: Partial<Record<string, string>>): AlertmanagerSettings {
  const problems: string[] = [];
  for (const [name, form] of Object.entries(SETTINGS)) {
    const value = settings[name];
    if (value === undefined || value === '') problems.push(`${name} is missing`);
    else if (!form.test(value)) problems.push(`${name} does not match ${form}`);
  }
  if (problems.length) throw new Error(`alertmanager settings: ${problems.join('; ')}`);
  return settings as AlertmanagerSettings;
}

/** The template with every placeholder replaced; an unknown or unfilled placeholder is an error. */
export function renderAlertmanagerTemplate(
  settings: Partial<Record<string, string>>,
  template: string,
): string {
  const valid = validateSettings(settings);
  const unknown = new Set<string>();
  const text = template.replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => {
    if (name in valid) return valid[name as keyof AlertmanagerSettings];
    unknown.add(name);
    return '';
  });
  if (unknown.size) throw new Error(`alertmanager template: unknown placeholders ${[...unknown].join(', ')}`);
  return text;
}

/**
 * The value Alertmanager exports as `alertmanager_config_hash` for a configuration file: the first
 * 48 bits of the md5 of the file's bytes, little-endian (alertmanager config/coordinator.go).
 */
export function alertmanagerConfigHash(config: string | Buffer): number {
  const sum = createHash('md5').update(config).digest();
  const bytes = Buffer.alloc(8);
  sum.copy(bytes, 0, 0, 6);
  return Number(bytes.readBigUInt64LE());
}
