// The optional Pushgateway inputs of db-backup and restore-drill: `pushgateway-url` (empty: no
// push) and `environment` (the `env` grouping label, required with a URL).
import type { Inputs } from '../action/inputs';
import { LABEL_VALUE } from './pushgateway';
import type { PushTarget } from './run-metrics';

const URL_RULE = {
  pattern: /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/,
  expected: 'an http(s) URL of a Pushgateway such as `http://pushgateway:9091` (no credentials, no query)',
};
const LABEL = {
  pattern: LABEL_VALUE,
  expected: 'a plain label value (letters, digits, `._-`), e.g. `production`',
};

/**
 * The push target, or undefined without `pushgateway-url`. `extra` names inputs that become more
 * grouping labels before `env` (db-backup: `{ kind: 'backup-kind' }`).
 */
export function readPushTarget(inputs: Inputs, extra: Record<string, string> = {}): PushTarget | undefined {
  const url = inputs.optional('pushgateway-url', URL_RULE);
  const env = inputs.optional('environment', LABEL);
  const labels: Record<string, string> = {};
  for (const [label, input] of Object.entries(extra)) labels[label] = inputs.optional(input, LABEL) ?? '';
  if (!url) return undefined;
  if (!env && !inputs.raw('environment'))
    inputs.problem(
      'environment',
      'is required with `pushgateway-url` (the `env` label of the pushed metrics)',
    );
  for (const [label, input] of Object.entries(extra))
    if (!labels[label] && !inputs.raw(input)) inputs.problem(input, `is required with \`pushgateway-url\``);
  return env ? { url, labels: { ...labels, env } } : undefined;
}
