import { describe, expect, it } from 'vitest';
import { BACKUP_SCRIPT, RESTORE_SCRIPT } from '../../tls/paths';
import {
  afterEdgeDeploy,
  edgeLayout,
  edgePlan,
  parseEdgeState,
  releaseCopy,
  releasesToRemove,
  type EdgeRelease,
} from '../plan';
import { expectedHeaders, headerProblems } from '../verify';
import { DEFAULTS } from '../params';

const layout = edgeLayout('/srv/deploy', '/etc/nginx/conf.d/contextai.conf');
const release = (version: string): EdgeRelease => ({
  version,
  sha256: 'ab',
  deployedAt: '2026-01-01T00:00:00Z',
});

describe('edge layout and commands', () => {
  it('keeps the previous and staged files hidden next to the live one, the releases under <root>/edge', () => {
    expect(layout).toEqual({
      config: '/etc/nginx/conf.d/contextai.conf',
      previous: '/etc/nginx/conf.d/.contextai.conf.previous',
      staged: '/etc/nginx/conf.d/.contextai.conf.new',
      dir: '/srv/deploy/edge',
      state: '/srv/deploy/edge/state.json',
      current: '/srv/deploy/edge/current',
      log: '/srv/deploy/edge/releases.log',
      releases: '/srv/deploy/edge/releases',
    });
    expect(releaseCopy(layout, 'v1')).toBe('/srv/deploy/edge/releases/v1/contextai.conf');
  });

  it('builds argv arrays with paths as positional arguments, never inside a script', () => {
    expect(edgePlan.backup(layout)).toEqual([
      'sh',
      '-c',
      BACKUP_SCRIPT,
      'sh',
      layout.config,
      layout.previous,
    ]);
    expect(edgePlan.restore(layout)).toEqual([
      'sh',
      '-c',
      RESTORE_SCRIPT,
      'sh',
      layout.config,
      layout.previous,
    ]);
    expect(edgePlan.makeReleaseDir(layout, 'v1')).toEqual([
      'mkdir',
      '-p',
      '--',
      '/srv/deploy/edge/releases/v1',
    ]);
    expect(edgePlan.removeReleases(layout, ['v0'])).toEqual([
      'rm',
      '-rf',
      '--',
      '/srv/deploy/edge/releases/v0',
    ]);
    expect(edgePlan.appendLog(layout).slice(-1)).toEqual([layout.log]);
  });
});

describe('edge state', () => {
  it('reads a missing state as empty and refuses what it did not write', () => {
    expect(parseEdgeState(undefined, 'h:/s')).toEqual({ retained: [] });
    expect(
      parseEdgeState(JSON.stringify({ current: release('v1'), retained: [] }), 'h:/s').current?.version,
    ).toBe('v1');
    expect(() => parseEdgeState('{', 'h:/s')).toThrow('h:/s is corrupt: it is not valid JSON');
    expect(() => parseEdgeState('[]', 'h:/s')).toThrow('not a JSON object');
    expect(() => parseEdgeState('{"current":{"version":"v1"}}', 'h:/s')).toThrow(
      'lacks its version or sha256',
    );
  });

  it('moves the live version to retained, newest first, keeping `keep`', () => {
    let state = afterEdgeDeploy({ retained: [] }, release('v1'), 2);
    state = afterEdgeDeploy(state, release('v2'), 2);
    state = afterEdgeDeploy(state, release('v3'), 2);
    state = afterEdgeDeploy(state, release('v4'), 2);
    expect(state.current?.version).toBe('v4');
    expect(state.retained.map((r) => r.version)).toEqual(['v3', 'v2']);
    // Deploying the live version again does not retain it twice.
    expect(afterEdgeDeploy(state, release('v4'), 2).retained.map((r) => r.version)).toEqual(['v3', 'v2']);
    expect(releasesToRemove(['v1', 'v2', 'v3', 'v4', 'v5-failed'], state)).toEqual(['v1', 'v5-failed']);
  });
});

describe('the HTTPS check', () => {
  const expected = expectedHeaders(DEFAULTS);
  const served = { ...expected, 'x-request-id': 'abc' };

  it('accepts the rendered headers and names each missing, duplicated or different one', () => {
    expect(headerProblems(served, expected)).toEqual([]);
    expect(
      headerProblems(
        {
          ...served,
          'x-frame-options': undefined,
          'strict-transport-security': ['max-age=1', 'max-age=2'],
          'content-security-policy': 'default-src *',
          'x-request-id': undefined,
        },
        expected,
      ),
    ).toEqual([
      'strict-transport-security is sent 2 times',
      'x-frame-options is missing',
      'content-security-policy is not the deployed value',
      'x-request-id is missing',
    ]);
  });
});
