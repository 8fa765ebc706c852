import { describe, expect, it } from 'vitest';
import type { FleetOutcome } from '../fleet';
import type { HostRun } from '../host';
import { throwIfFleetFailed } from '../fleet-failure';

const host = (label: string, fields: { result?: string; error?: string; serving?: string }) =>
  ({
    label,
    record: {
      result: fields.result,
      error: fields.error,
      state: { current: fields.serving ? { version: fields.serving } : undefined, retained: [] },
    },
  }) as unknown as HostRun;

describe('throwIfFleetFailed', () => {
  it('says nothing when every host succeeded', () => {
    const web1 = host('web1', { result: 'success' });
    expect(() =>
      throwIfFleetFailed({ hosts: [web1], failed: [], rolledBack: false, undoFailed: [] }, 'deploy'),
    ).not.toThrow();
  });

  it('names the failed host and the hosts switched back', () => {
    const web1 = host('web1', { result: 'undone', serving: 'v1' });
    const web2 = host('web2', { result: 'failed', error: 'web2: the proxy rejected the new configuration' });
    const outcome: FleetOutcome = { hosts: [web1, web2], failed: [web2], rolledBack: true, undoFailed: [] };
    expect(() => throwIfFleetFailed(outcome, 'deploy api v2')).toThrow(
      'deploy api v2 failed on 1 of 2 host(s):\n- web2: web2: the proxy rejected the new configuration\n' +
        'The hosts switched in this run were switched back: web1.',
    );
  });

  it('calls out mixed versions with what each host still serves and why the switch-back failed', () => {
    const web1 = host('web1', {
      result: 'failed',
      error: 'switching back to v1 failed: web1: slot port 3001 is already in use',
      serving: 'v2',
    });
    const web2 = host('web2', { result: 'failed', error: 'web2: boom' });
    const outcome: FleetOutcome = {
      hosts: [web1, web2],
      failed: [web2],
      rolledBack: false,
      undoFailed: [web1],
    };
    expect(() => throwIfFleetFailed(outcome, 'deploy api v2')).toThrow(
      /MIXED VERSIONS: web1 could not be switched back.*\n- web1 still serves v2: switching back to v1 failed: web1: slot port 3001/,
    );
  });
});
