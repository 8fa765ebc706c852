import { createPrivateKey } from 'node:crypto';
import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { readSlackTarget } from '../../lib/alert/inputs';
import type { SlackTarget } from '../../lib/alert/slack';
import { readSshTargets, type SshTargets } from '../../lib/ssh/inputs';

export interface SslRenewInputs extends SshTargets {
  domains: string[];
  acmeDirectory: string;
  accountKey: string;
  email?: string;
  webroot: string;
  certDir: string;
  renewBefore: 'auto' | number;
  reloadCommand: string[];
  testCommand: string[];
  httpsPort: number;
  force: boolean;
  slack?: SlackTarget;
}

const ABSOLUTE_PATH = {
  pattern: /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/,
  expected: 'an absolute path of letters, digits, `._-/` (no `..`)',
};
const EMAIL = { pattern: /^[^\s@,;<>"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, expected: 'an e-mail address' };
const ACME_DIRECTORY = {
  pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/,
  expected: 'an https:// URL of an ACME directory',
};

const MISSING_ACCOUNT_KEY =
  'is required: create one with `scripts/acme-account` and store the PEM it prints as a secret (e.g. ACME_ACCOUNT_KEY)';

export function readInputs(core: Core): SslRenewInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const ssh = readSshTargets(inputs);
  const accountKey = inputs.secret('account-key') ?? '';
  const domains = inputs.list('domains', {
    required: true,
    pattern: RULES.hostname.pattern,
    expected: 'DNS names (HTTP-01 cannot validate wildcards)',
  });
  if (!accountKey) inputs.problem('account-key', MISSING_ACCOUNT_KEY);
  else if (!isPrivateKey(accountKey))
    inputs.problem('account-key', 'is not a PEM private key (create one with `scripts/acme-account`)');

  const result: SslRenewInputs = {
    ...ssh,
    domains,
    acmeDirectory: inputs.optional('acme-directory', ACME_DIRECTORY) ?? '',
    accountKey,
    email: inputs.optional('email', EMAIL),
    webroot: (inputs.optional('webroot', ABSOLUTE_PATH) ?? '').replace(/\/+$/, ''),
    certDir: (inputs.optional('cert-dir', ABSOLUTE_PATH) ?? '').replace(/\/+$/, ''),
    renewBefore:
      inputs.raw('renew-before') === 'auto' ? 'auto' : inputs.duration('renew-before', { minMs: 60_000 }),
    reloadCommand: inputs.words('reload-command'),
    testCommand: inputs.words('test-command'),
    httpsPort: inputs.integer('https-port', { min: 1, max: 65_535 }),
    force: inputs.boolean('force'),
  };
  const slack = readSlackTarget(inputs);
  if (slack) result.slack = slack;
  inputs.done();
  return result;
}

function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).type === 'private';
  } catch {
    return false;
  }
}
