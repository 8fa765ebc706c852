import { describe, expect, it } from 'vitest';
import type { Core } from '../../lib/action/core';
import { readInputs } from '../src/inputs';

const KNOWN_HOSTS =
  '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function fakeCore(values: Record<string, string>) {
  return {
    getInput: (name: string) => values[name] ?? '',
    setSecret: () => undefined,
  } as unknown as Core;
}

const required = {
  hosts: '127.0.0.1:2222',
  'private-key': 'ssh-key-canary',
  'known-hosts': KNOWN_HOSTS,
  app: 'api',
};

describe('rollback inputs', () => {
  it('takes every default from action.yml, empty inputs included', () => {
    const inputs = readInputs(fakeCore({ ...required, user: '', engine: '', ports: '' }));
    expect(inputs).toMatchObject({
      user: 'deploy',
      maxParallel: 1,
      settings: {
        app: 'api',
        root: '/srv/deploy',
        engine: ['docker'],
        ports: [3001, 3002],
        healthPath: '/health',
        healthTimeoutMs: 60_000,
        proxyReload: ['nginx', '-s', 'reload'],
        proxyTest: ['nginx', '-t'],
        drainMs: 5_000,
        keepReleases: 5,
        lockTimeoutMs: 600_000,
      },
    });
    expect(inputs.version).toBeUndefined();
  });

  it('lists every bad input at once, never echoing the key', () => {
    let message = '';
    try {
      readInputs(
        fakeCore({
          ...required,
          version: 'v1 && reboot',
          app: '../api',
          root: '/srv/../etc',
          ports: '3001,3001',
          hosts: 'a.example, a.example',
          'proxy-reload': 'nginx -s reload; id',
        }),
      );
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['version', 'app', 'root', 'ports', 'hosts', 'proxy-reload'])
      expect(message).toContain(`\`${name}\``);
    expect(message).toContain('`hosts` lists a host twice');
    expect(message).not.toContain('canary');
  });
});
