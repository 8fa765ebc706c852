import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerConfigHash } from '../alertmanager-config';
import { readBundle } from '../bundle';
import { plan, releaseId, releasesToPrune } from '../deploy-plan';
import { MONITORING_DIR } from '../../../../apps/monitoring/src/paths';

const settings = {
  PAGERDUTY_URL: 'https://events.pagerduty.com/v2/enqueue',
  SECRETS_DIR: '/etc/alertmanager/secrets',
  TEMPLATES_DIR: '/srv/monitoring/releases/r1/alertmanager',
  SMTP_SMARTHOST: 'smtp.example.com:587',
  SMTP_FROM: 'alertmanager@example.com',
  SMTP_USERNAME: 'alertmanager',
  EMAIL_TO: 'oncall@example.com',
  SLACK_CHANNEL: '#alerts',
};

describe('monitoring deploy plan', () => {
  it('names releases by time and commit, so they sort', () => {
    expect(releaseId(new Date('2026-11-29T07:41:02.123Z'), 'abcdef0123456789')).toBe(
      '20261129T074102Z-abcdef012345',
    );
  });

  it('prunes the oldest releases beyond keep, never the live or the previous one', () => {
    const ids = ['20261101T000000Z-a', '20261102T000000Z-b', '20261103T000000Z-c', '20261104T000000Z-d'];
    expect(releasesToPrune(ids, 2, ['20261104T000000Z-d', '20261103T000000Z-c'])).toEqual([
      '20261102T000000Z-b',
      '20261101T000000Z-a',
    ]);
    expect(releasesToPrune(ids, 2, ['20261104T000000Z-d', '20261101T000000Z-a'])).toEqual([
      '20261102T000000Z-b',
    ]);
  });

  it('switches with a new symlink renamed over `current` (atomic), and reloads with POST', () => {
    expect(plan.link('/srv/m', 'r2')).toEqual(['ln', '-sfn', 'releases/r2', '/srv/m/current.new']);
    expect(plan.swap('/srv/m')).toEqual(['mv', '-T', '/srv/m/current.new', '/srv/m/current']);
    expect(plan.reload('http://127.0.0.1:9090')).toContain('POST');
  });

  it('hashes a configuration the way Alertmanager exports alertmanager_config_hash', () => {
    // md5("") = d41d8cd98f00b204…: the first 6 bytes little-endian
    expect(alertmanagerConfigHash('')).toBe(Number(BigInt('0x04b2008fd98c1dd4') & 0xffffffffffffn));
  });

  it('bundles the rules (with their groups), the rendered configuration, templates and dashboards', () => {
    const bundle = readBundle(MONITORING_DIR, settings);
    const paths = [...bundle.files.keys()];
    expect(paths).toEqual(
      expect.arrayContaining(['rules/alerts.yml', 'rules/slo.yml', 'alertmanager/alertmanager.yml']),
    );
    expect(paths.some((p) => p.startsWith('rules/tests'))).toBe(false);
    expect(paths.filter((p) => p.startsWith('dashboards/')).length).toBe(6);
    expect(bundle.ruleGroups).toContainEqual(
      expect.objectContaining({ file: 'alerts.yml', name: 'backups' }),
    );
    expect(bundle.alertmanagerConfig.toString()).toContain('/srv/monitoring/releases/r1/alertmanager/*.tmpl');
  });

  it('refuses a source without rule files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    try {
      for (const d of ['rules', 'alertmanager', 'dashboards']) mkdirSync(join(dir, d));
      writeFileSync(join(dir, 'alertmanager', 'alertmanager.yml'), 'route: {}\n');
      expect(() => readBundle(dir, settings)).toThrow(/no rule files/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
