import { createPrivateKey } from 'node:crypto';
import type { Core } from '../../common/src/core';
import { Inputs, PATTERNS } from '../../common/src/inputs';
import { parseHost, parseKnownHosts, type HostTarget, type KnownHost } from '../../common/src/known-hosts';
import { splitPlainWords } from '../../common/src/shell';

export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

export interface SslRenewInputs {
  domains: string[];
  hosts: HostTarget[];
  user: string;
  privateKey: string;
  knownHosts: KnownHost[];
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
  slack?: { token: string; channel: string };
}

const ABSOLUTE_PATH = {
  pattern: /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._/-]+$/,
  expected: 'an absolute path of letters, digits, `._-/` (no `..`)',
};
const USER = { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, expected: 'a POSIX user name' };
const EMAIL = { pattern: /^[^\s@,;<>"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, expected: 'an e-mail address' };
const CHANNEL = {
  pattern: /^[#@]?[A-Za-z0-9._-]{1,80}$/,
  expected: 'a channel name or id such as `#ops` or `C0123456789`',
};

const MISSING_ACCOUNT_KEY =
  'is required: create one with `scripts/acme-account` and store the PEM it prints as a secret (e.g. ACME_ACCOUNT_KEY)';

export function readInputs(core: Core): SslRenewInputs {
  const inputs = new Inputs(core);
  const privateKey = inputs.secret('private-key', { required: true }) ?? '';
  const accountKey = inputs.secret('account-key') ?? '';
  const slackToken = inputs.secret('slack-token');

  const domains = inputs.list('domains', {
    required: true,
    pattern: PATTERNS.hostname,
    expected: 'DNS names (HTTP-01 cannot validate wildcards)',
  });
  const hosts = parseEach(inputs, 'hosts', inputs.list('hosts', { required: true }), parseHost);
  const knownHostsText = inputs.raw('known-hosts');
  let knownHosts: KnownHost[] = [];
  if (!knownHostsText)
    inputs.problem(
      'known-hosts',
      'is required: the pinned OpenSSH known_hosts lines of every host (ssh-keyscan, checked out of band)',
    );
  else {
    try {
      knownHosts = parseKnownHosts(knownHostsText);
    } catch (error) {
      inputs.problem('known-hosts', (error as Error).message.replace(/^known-hosts /, ''));
    }
  }
  if (!accountKey) inputs.problem('account-key', MISSING_ACCOUNT_KEY);
  else if (!isPrivateKey(accountKey))
    inputs.problem('account-key', 'is not a PEM private key (create one with `scripts/acme-account`)');

  const acmeDirectory = inputs.optional('acme-directory', LETS_ENCRYPT_PRODUCTION, {
    pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/,
    expected: 'an https:// URL of an ACME directory',
  });
  const renewBeforeText = inputs.raw('renew-before') || 'auto';
  const renewBefore =
    renewBeforeText === 'auto' ? 'auto' : inputs.duration('renew-before', '30d', { minMs: 60_000 });
  const slackChannel = inputs.optional('slack-channel', undefined, CHANNEL);
  if (slackToken && !slackChannel) inputs.problem('slack-channel', 'is required when `slack-token` is set');

  const result: SslRenewInputs = {
    domains,
    hosts,
    user: inputs.optional('user', 'deploy', USER) ?? 'deploy',
    privateKey,
    knownHosts,
    acmeDirectory: acmeDirectory ?? LETS_ENCRYPT_PRODUCTION,
    accountKey,
    email: inputs.optional('email', undefined, EMAIL),
    webroot: (inputs.optional('webroot', '/var/www/acme', ABSOLUTE_PATH) ?? '').replace(/\/+$/, ''),
    certDir: (inputs.optional('cert-dir', '/etc/ssl/contextai', ABSOLUTE_PATH) ?? '').replace(/\/+$/, ''),
    renewBefore,
    reloadCommand: command(inputs, 'reload-command', 'nginx -s reload'),
    testCommand: command(inputs, 'test-command', 'nginx -t'),
    httpsPort: inputs.integer('https-port', 443, { min: 1, max: 65_535 }),
    force: inputs.boolean('force', false),
    ...(slackToken && slackChannel ? { slack: { token: slackToken, channel: slackChannel } } : {}),
  };
  inputs.done();
  return result;
}

function parseEach<T>(inputs: Inputs, name: string, items: string[], parse: (item: string) => T): T[] {
  return items.flatMap((item) => {
    try {
      return [parse(item)];
    } catch (error) {
      inputs.problem(name, (error as Error).message);
      return [];
    }
  });
}

function command(inputs: Inputs, name: string, fallback: string): string[] {
  const argv = splitPlainWords(inputs.raw(name) || fallback);
  if (!argv) {
    inputs.problem(name, 'must be plain words separated by spaces (no quotes, pipes, `;` or `$`)');
    return [];
  }
  return argv;
}

function isPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).type === 'private';
  } catch {
    return false;
  }
}
