import { describe, expect, it } from 'vitest';
import { Inputs } from '../../action/inputs';
import { readPushTarget } from '../inputs';
import { exposition, groupUrl } from '../pushgateway';
import { BACKUP_SERIES, outcomeGauges } from '../run-metrics';

const inputsOf = (values: Record<string, string>) =>
  new Inputs({ getInput: (n: string) => values[n] ?? '', setSecret: () => {} });

describe('Pushgateway client', () => {
  it('builds the group URL from the job and the grouping labels, refusing values that need encoding', () => {
    expect(
      groupUrl({
        url: 'http://pg:9091/',
        job: 'contextai_backup',
        labels: { kind: 'nightly', env: 'production' },
      }),
    ).toBe('http://pg:9091/metrics/job/contextai_backup/kind/nightly/env/production');
    expect(() => groupUrl({ url: 'http://pg:9091', job: 'x', labels: { env: 'a/b' } })).toThrow(/plain name/);
    expect(() => groupUrl({ url: 'http://pg:9091', job: 'a/b', labels: {} })).toThrow(/plain name/);
  });

  it('writes gauges in the text exposition format', () => {
    expect(exposition([{ name: 'a_b', help: 'x\ny', value: 2 }])).toBe(
      '# HELP a_b x\\ny\n# TYPE a_b gauge\na_b 2\n',
    );
    expect(() => exposition([{ name: 'a', help: '', value: NaN }])).toThrow(/finite/);
  });

  it('a success carries all four backup metrics; a failure only the last-run pair', () => {
    const at = new Date('2026-11-29T02:30:00Z');
    const names = (success: boolean) =>
      outcomeGauges(BACKUP_SERIES, { success, at, sizeBytes: 42 }).map((g) => `${g.name}=${g.value}`);
    expect(names(true)).toEqual([
      'backup_last_success_timestamp_seconds=1795919400',
      'backup_last_run_timestamp_seconds=1795919400',
      'backup_last_run_success=1',
      'backup_size_bytes=42',
    ]);
    expect(names(false)).toEqual([
      'backup_last_run_timestamp_seconds=1795919400',
      'backup_last_run_success=0',
    ]);
  });
});

describe('readPushTarget', () => {
  it('is off without a URL', () => {
    const inputs = inputsOf({ environment: 'production' });
    expect(readPushTarget(inputs)).toBeUndefined();
    expect(() => inputs.done()).not.toThrow();
  });

  it('reads the URL, the env label and the extra labels', () => {
    const inputs = inputsOf({
      'pushgateway-url': 'http://pg:9091',
      environment: 'production',
      'backup-kind': 'hourly',
    });
    expect(readPushTarget(inputs, { kind: 'backup-kind' })).toEqual({
      url: 'http://pg:9091',
      labels: { kind: 'hourly', env: 'production' },
    });
  });

  it('names every bad input at once: no environment, a URL with credentials, a label with a slash', () => {
    const inputs = inputsOf({ 'pushgateway-url': 'http://user:pw@pg:9091', 'backup-kind': 'a/b' });
    readPushTarget(inputs, { kind: 'backup-kind' });
    expect(() => inputs.done()).toThrow(/pushgateway-url[\s\S]*backup-kind/);
    const noEnv = inputsOf({ 'pushgateway-url': 'http://pg:9091' });
    readPushTarget(noEnv);
    expect(() => noEnv.done()).toThrow(/environment. is required with `pushgateway-url`/);
    expect(() => noEnv.done()).not.toThrow(/http:\/\/pg/);
  });
});
