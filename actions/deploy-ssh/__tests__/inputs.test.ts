import { describe, expect, it } from 'vitest';
import type { Core } from '../../lib/action/core';
import { readInputs } from '../src/inputs';

const fakeCore = (values: Record<string, string>) =>
  ({ getInput: (name: string) => values[name] ?? '', setSecret: () => undefined }) as unknown as Core;

const required = {
  hosts: '127.0.0.1:2222',
  'private-key': 'ssh-key-canary',
  'known-hosts':
    '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
  app: 'api',
  image: 'registry.example.com/team/api:1.2.3',
  version: '1.2.3',
};

describe('deploy-ssh inputs: log rotation and metrics target', () => {
  it('rotates logs by default and publishes no metrics target unless metrics-ports is set', () => {
    const { target } = readInputs(fakeCore(required));
    expect(target.run.logs).toEqual({ driver: 'json-file', maxSize: '10m', maxFiles: 5 });
    expect(target.run.metrics).toBeUndefined();
  });

  it('reads the metrics ports per slot and the env label', () => {
    const { target } = readInputs(
      fakeCore({
        ...required,
        'metrics-ports': '9464, 9465',
        'metrics-env': 'staging',
        'log-max-size': '1g',
      }),
    );
    expect(target.run.metrics).toEqual({ ports: [9464, 9465], env: 'staging' });
    expect(target.run.logs?.maxSize).toBe('1g');
  });

  it('lists every bad value at once', () => {
    const read = () =>
      readInputs(
        fakeCore({
          ...required,
          'metrics-ports': '3001,9465',
          'metrics-env': 'Prod uction',
          'log-driver': 'json-file;reboot',
          'log-max-size': '10 MB',
          'log-max-files': '0',
        }),
      );
    expect(read).toThrow(/`metrics-ports` must differ from `ports` and `container-port`/);
    for (const name of ['metrics-env', 'log-driver', 'log-max-size', 'log-max-files'])
      expect(read).toThrow(`\`${name}\``);
    expect(() => readInputs(fakeCore({ ...required, 'metrics-ports': '9464' }))).toThrow(
      /`metrics-ports` must be two different TCP ports/,
    );
  });
});
