import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../lib/action/core';
import { InputError } from '../../lib/action/inputs';
import { readInputs } from '../src/inputs';

const KNOWN_HOSTS =
  '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const ACCOUNT_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

function fakeCore(inputs: Record<string, string>) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: (s: string) => secrets.push(s),
  } as unknown as Core;
  return { core, secrets };
}

const valid = {
  domains: 'contextai.com, www.contextai.com',
  hosts: '127.0.0.1:2222',
  'private-key': 'ssh-private-key-canary',
  'known-hosts': KNOWN_HOSTS,
  'account-key': ACCOUNT_KEY,
};

describe('readInputs', () => {
  it('fills the documented defaults', () => {
    const inputs = readInputs(fakeCore(valid).core);
    expect(inputs).toMatchObject({
      domains: ['contextai.com', 'www.contextai.com'],
      hosts: [{ host: '127.0.0.1', port: 2222 }],
      user: 'deploy',
      acmeDirectory: 'https://acme-v02.api.letsencrypt.org/directory',
      webroot: '/var/www/acme',
      certDir: '/etc/ssl/contextai',
      renewBefore: 'auto',
      reloadCommand: ['nginx', '-s', 'reload'],
      testCommand: ['nginx', '-t'],
      httpsPort: 443,
      force: false,
    });
    expect(inputs.slack).toBeUndefined();
  });

  it('masks every secret input before validating anything', () => {
    const { core, secrets } = fakeCore({ ...valid, 'slack-token': 'xoxb-canary', 'slack-channel': '#ops' });
    readInputs(core);
    expect(secrets).toEqual(expect.arrayContaining(['ssh-private-key-canary', ACCOUNT_KEY, 'xoxb-canary']));
  });

  it('explains how to create a missing account key', () => {
    const { 'account-key': _, ...rest } = valid;
    expect(() => readInputs(fakeCore(rest).core)).toThrow(
      /`account-key` is required: create one with `scripts\/acme-account`/,
    );
  });

  it('lists every bad input at once, never echoing a secret', () => {
    let error: InputError | undefined;
    try {
      readInputs(
        fakeCore({
          domains: '*.contextai.com',
          hosts: 'root@evil;rm',
          'private-key': '',
          'known-hosts': 'garbage',
          'account-key': 'account-key-canary',
          'acme-directory': 'http://insecure.example/dir',
          webroot: 'relative',
          'renew-before': 'soon',
          'reload-command': 'nginx -s reload; curl evil',
          'slack-token': 'xoxb-canary',
        }).core,
      );
    } catch (e) {
      error = e as InputError;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error!.problems.map((p) => p.split(' ')[0])).toEqual([
      '`private-key`',
      '`hosts`',
      '`known-hosts`',
      '`domains`',
      '`account-key`',
      '`acme-directory`',
      '`webroot`',
      '`renew-before`',
      '`reload-command`',
      '`slack-channel`',
    ]);
    expect(error!.message).not.toMatch(/canary/);
  });

  it('takes a duration for renew-before and plain-word commands', () => {
    const inputs = readInputs(
      fakeCore({ ...valid, 'renew-before': '30d', 'test-command': 'sudo -n nginx -t' }).core,
    );
    expect(inputs.renewBefore).toBe(30 * 86_400_000);
    expect(inputs.testCommand).toEqual(['sudo', '-n', 'nginx', '-t']);
  });
});
