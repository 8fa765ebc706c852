import { describe, expect, it } from 'vitest';
import { logRunArgs } from '../container-logs';
import { metricsRunArgs, metricsTargetJson, metricsTargetPaths, slotName } from '../metrics-target';
import * as plan from '../plan';
import type { HostSettings, Release } from '../types';

const settings = {
  app: 'api',
  root: '/srv/deploy/',
  engine: ['podman'],
  ports: [3001, 3002],
} as HostSettings;
const metrics = { ports: [9464, 9465] as [number, number], env: 'staging' };
const release = (port: number, extra: Partial<Release> = {}): Release => ({
  version: 'sha-abc1234',
  image: 'reg/api@sha256:ab',
  port,
  container: 'api-sha-abc1234',
  time: '2026-01-01T00:00:00Z',
  network: 'host',
  containerPort: 3000,
  runArgs: [],
  metrics,
  ...extra,
});

describe('metrics target', () => {
  it('pairs each slot with its metrics port and names it blue or green', () => {
    expect(slotName(settings, release(3001))).toBe('blue');
    expect(slotName(settings, release(3002))).toBe('green');
    expect(metricsRunArgs(settings, release(3001))).toEqual(['--env', 'METRICS_PORT=9464']);
    expect(metricsRunArgs(settings, release(3002))).toEqual(['--env', 'METRICS_PORT=9465']);
  });

  it('with bridge networking the app listens on the container interface, published on loopback only', () => {
    expect(metricsRunArgs(settings, release(3002, { network: 'bridge' }))).toEqual([
      '--env',
      'METRICS_PORT=9465',
      '--env',
      'METRICS_HOST=0.0.0.0',
      '--publish',
      '127.0.0.1:9465:9465',
    ]);
  });

  it('writes file_sd JSON for the live slot with the app, env, version and slot labels', () => {
    expect(JSON.parse(metricsTargetJson(settings, release(3002))!)).toEqual([
      {
        targets: ['127.0.0.1:9465'],
        labels: { app: 'api', env: 'staging', version: 'sha-abc1234', slot: 'green' },
      },
    ]);
  });

  it('has no target and no flags for a release without metrics (recorded before, or metrics-ports empty)', () => {
    const plain = release(3001, { metrics: undefined });
    expect(metricsTargetJson(settings, plain)).toBeUndefined();
    expect(metricsRunArgs(settings, plain)).toEqual([]);
  });

  it('puts every app in one directory, with a temporary name Prometheus does not read', () => {
    const paths = metricsTargetPaths('/srv/deploy/', 'api');
    expect(paths).toEqual({
      dir: '/srv/deploy/metrics-targets',
      file: '/srv/deploy/metrics-targets/api.json',
      tmp: '/srv/deploy/metrics-targets/.api.json.tmp',
    });
    expect(paths.tmp.endsWith('.json')).toBe(false);
  });
});

describe('container log rotation', () => {
  it('passes the driver, max-size and max-file, before the extra run-args', () => {
    const logs = { driver: 'json-file', maxSize: '10m', maxFiles: 5 };
    expect(logRunArgs(logs)).toEqual([
      '--log-driver',
      'json-file',
      '--log-opt',
      'max-size=10m',
      '--log-opt',
      'max-file=5',
    ]);
    expect(logRunArgs(undefined)).toEqual([]);
    const argv = plan.runContainerCommand(
      settings,
      release(3002, { logs, runArgs: ['--ulimit', 'nproc=1024:1024'] }),
      'img',
      '/e',
    );
    expect(argv.slice(-11)).toEqual([
      '--env',
      'METRICS_PORT=9465',
      ...logRunArgs(logs),
      '--ulimit',
      'nproc=1024:1024',
      'img',
    ]);
  });
});
