import { describe, expect, it } from 'vitest';
import { chooseVersion, retainedEverywhere, type HostView } from '../rollback-target';
import type { AuditEntry, Release } from '../types';

const release = (version: string): Release => ({
  version,
  image: `reg/api:${version}`,
  port: 3001,
  container: `api-${version}`,
  time: '2026-01-01T00:00:00Z',
  network: 'host',
  containerPort: 3000,
  runArgs: [],
});
const entry = (version: string, result: AuditEntry['result'], action: AuditEntry['action'] = 'deploy') =>
  ({ version, result, action }) as AuditEntry;
const view = (label: string, serving: string, kept: string[], present = kept): HostView => ({
  label,
  state: { current: release(serving), retained: kept.map(release) },
  history: [],
  present: new Set(present),
});

describe('chooseVersion', () => {
  it('takes the version asked for as it is', () => {
    expect(chooseVersion([view('a', 'v3', [])], 'v1')).toEqual({ version: 'v1' });
  });

  it('defaults to the first host’s newest successful release other than the one serving', () => {
    const host = view('web1', 'v3', ['v2', 'v1']);
    host.history = [
      entry('v1', 'success'),
      entry('v2', 'success'),
      entry('v4', 'failed'),
      entry('v3', 'success'),
    ];
    expect(chooseVersion([host, view('web2', 'v3', [])])).toEqual({ version: 'v2' });
    host.history.push(entry('v1', 'success', 'rollback'), entry('v2', 'undone'));
    expect(chooseVersion([host])).toEqual({ version: 'v1' });
  });

  it('explains when there is nothing to roll back to', () => {
    const host = view('web1', 'v1', []);
    host.history = [entry('v1', 'success'), entry('v2', 'failed')];
    expect(chooseVersion([host]).problem).toBe(
      'web1: the audit log has no successful release other than the current one to roll back to',
    );
    expect(chooseVersion([]).problem).toBe('no hosts');
  });
});

describe('retainedEverywhere', () => {
  it('finds the retained release on each host; a host already serving it needs none', () => {
    const found = retainedEverywhere([view('web1', 'v3', ['v2']), view('web2', 'v2', ['v3'])], 'v2');
    expect(found.problem).toBeUndefined();
    expect([...found.releases.keys()]).toEqual(['web1']);
    expect(found.releases.get('web1')?.container).toBe('api-v2');
  });

  it('names every host where the version is not retained, or its container is gone', () => {
    const found = retainedEverywhere(
      [view('web1', 'v3', ['v2']), view('web2', 'v3', ['v1']), view('web3', 'v3', ['v2'], [])],
      'v2',
    );
    expect(found.problem).toMatch(/^version v2 is not retained on web2, web3 .*nothing was changed/);
  });
});
