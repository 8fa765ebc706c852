// The shipped monitoring configuration, checked with the real tools (promtool, amtool, mtail from
// Debian; `scripts/stack install` installs them): rules valid and unit-tested, every alert routed,
// documented in the runbook and tested, the generated files current.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERTMANAGER_TEMPLATES_DIR,
  renderAlertmanagerConfig,
  validateSettings,
} from '../src/alertmanager-config';
import { staleFiles } from '../src/build';
import { MONITORING_DIR } from '../src/paths';
import { RUNBOOK } from '../src/slo';

const RULES = join(MONITORING_DIR, 'rules');
const ruleFiles = readdirSync(RULES)
  .filter((f) => f.endsWith('.yml'))
  .map((f) => join(RULES, f));
const testFiles = readdirSync(join(RULES, 'tests')).map((f) => join(RULES, 'tests', f));
const execFileAsync = promisify(execFile);
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const alerts: AlertRule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(f, 'utf8')) as { groups: { rules: (AlertRule | { record: string })[] }[] }).groups
    .flatMap((g) => g.rules)
    .filter((r): r is AlertRule => 'alert' in r),
);

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const runbookAnchors = new Set(
  readFileSync(join(MONITORING_DIR, '../../docs/RUNBOOK.md'), 'utf8')
    .split('\n')
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => slug(l.replace(/^#+ /, ''))),
);

describe.concurrent('alerting rules', () => {
  it('pass promtool check rules', () => {
    const out = run('promtool', ['check', 'rules', ...ruleFiles]);
    expect(out).not.toMatch(/FAILED/);
    expect(out.match(/SUCCESS/g)).toHaveLength(ruleFiles.length);
  });

  // one promtool per file, in parallel (seconds each; the 30-day windows make them the slow part)
  it.each(testFiles.map((f) => [basename(f), f]))(
    'pass their promtool unit tests in %s (fire at the expected time, silent on healthy and borderline series)',
    async (_name, file) => {
      const { stdout } = await execFileAsync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
      expect(stdout).toMatch(/SUCCESS/);
    },
    120_000,
  );

  it('rules/slo.yml and the dashboards are what src/ generates (npm run monitoring:build)', async () => {
    expect(await staleFiles()).toEqual([]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has a severity, a summary, a description with its value and a runbook section',
    (name, alert) => {
      expect(['page', 'ticket']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toMatch(/\{\{ \$value/);
      const url = alert.annotations?.runbook_url ?? '';
      expect(url.startsWith(`${RUNBOOK}#`)).toBe(true);
      const anchor = url.slice(url.indexOf('#') + 1);
      expect(anchor).toBe(name.toLowerCase());
      expect(runbookAnchors.has(anchor), `docs/RUNBOOK.md has no section #${anchor}`).toBe(true);
    },
  );

  it('every alert is expected to fire in some promtool test', () => {
    const firing = new Set<string>();
    for (const file of testFiles) {
      const spec = parse(readFileSync(file, 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      for (const t of spec.tests)
        for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length) firing.add(a.alertname);
    }
    expect([...new Set(alerts.map((a) => a.alert))].filter((a) => !firing.has(a))).toEqual([]);
  });

  it('the runbook check catches a missing section', () => {
    expect(runbookAnchors.has('postgresdown')).toBe(true);
    expect(runbookAnchors.has('nosuchalert')).toBe(false);
  });
});

describe('alertmanager configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const settings = {
    PAGERDUTY_URL: 'https://events.pagerduty.com/v2/enqueue',
    SECRETS_DIR: '/etc/prometheus/alertmanager-secrets',
    TEMPLATES_DIR: ALERTMANAGER_TEMPLATES_DIR,
    SMTP_SMARTHOST: 'smtp.example.com:587',
    SMTP_FROM: 'alertmanager@contextai.example',
    SMTP_USERNAME: 'alertmanager',
    EMAIL_TO: 'oncall@contextai.example',
    SLACK_CHANNEL: '#alerts',
  };
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, renderAlertmanagerConfig(settings));

  it('renders to a configuration amtool accepts, with no placeholder and no secret in it', () => {
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/\$\{/);
    expect(text).toMatch(/routing_key_file: \/etc\/prometheus\/alertmanager-secrets\/pagerduty-routing-key/);
    expect(text).not.toMatch(/^\s*(routing_key|api_url|smtp_auth_password|auth_password):/m);
    expect(run('amtool', ['check-config', file])).toMatch(/SUCCESS/);
  });

  it.each([
    ['severity=page alertname=PostgresDown env=production', 'page'],
    ['severity=ticket alertname=BackupFailed env=production', 'ticket'],
    ['alertname=SomethingNew env=staging', 'ticket'], // no known severity: still reaches a person
  ])('routes %s to %s (amtool config routes test)', (labels, receiver) => {
    const out = run('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels.split(' ')]);
    expect(out.trim()).toBe(receiver);
  });

  it('groups by alert and environment, repeats pages hourly and tickets daily, sends resolved', () => {
    const config = parse(readFileSync(file, 'utf8')) as {
      route: { group_by: string[]; routes: { receiver: string; repeat_interval: string }[] };
      receivers: { name: string; [k: string]: unknown }[];
      inhibit_rules: { equal: string[] }[];
    };
    expect(config.route.group_by).toEqual(['alertname', 'env']);
    expect(config.route.routes.map((r) => [r.receiver, r.repeat_interval])).toEqual([
      ['page', '1h'],
      ['ticket', '24h'],
    ]);
    const kinds = Object.fromEntries(
      config.receivers.map((r) => [
        r.name,
        Object.keys(r)
          .filter((k) => k.endsWith('_configs'))
          .sort(),
      ]),
    );
    expect(kinds).toEqual({
      page: ['pagerduty_configs', 'slack_configs'],
      ticket: ['email_configs', 'slack_configs'],
    });
    for (const r of config.receivers)
      for (const [k, list] of Object.entries(r))
        if (k.endsWith('_configs'))
          for (const c of list as { send_resolved: boolean }[]) expect(c.send_resolved).toBe(true);
    expect(config.inhibit_rules[0]!.equal).toEqual(['env', 'app']);
  });

  it('refuses missing or malformed settings, naming them but not their values', () => {
    expect(() => validateSettings({ ...settings, SMTP_SMARTHOST: 'no port', EMAIL_TO: undefined })).toThrow(
      /SMTP_SMARTHOST does not match .*; EMAIL_TO is missing/,
    );
    expect(() => validateSettings({ ...settings, SLACK_CHANNEL: "#x'\ny" })).not.toThrow(/#x/);
    expect(() => renderAlertmanagerConfig(settings, 'a: ${NOPE}\n')).toThrow(/unknown placeholders NOPE/);
  });
});

describe('edge metrics from the JSON access log (mtail)', () => {
  it('counts requests by app and status and times them, whatever the field order and quoting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtail-'));
    try {
      const log = join(dir, 'access.json.log');
      writeFileSync(
        log,
        [
          '{"time":"2026-01-01T00:00:00+00:00","request_id":"a","method":"GET","path":"/api/sectors","status":429,"bytes":0,"request_time":0.001,"upstream_response_time":"","upstream_addr":""}',
          '{"status":"200","request_time":"0.300","path":"/"}',
          '{"path":"/api","status":502,"request_time":1.5}',
          '{"path":"/apiary","status":200,"request_time":0.002}',
          'not json at all',
        ].join('\n') + '\n',
      );
      const out = run('mtail', [
        '--one_shot',
        '--one_shot_format=prometheus',
        '--emit_prog_label=false',
        // one-shot mode still opens its HTTP listener: an ephemeral loopback port, not the stack's 3903
        '--address=127.0.0.1',
        '--port=0',
        '--progs',
        join(MONITORING_DIR, 'mtail'),
        '--logs',
        log,
      ]);
      expect(out).toContain('edge_http_requests_total{app="api",status="429"} 1');
      expect(out).toContain('edge_http_requests_total{app="api",status="502"} 1');
      expect(out).toContain('edge_http_requests_total{app="web",status="200"} 2');
      expect(out).toContain('edge_http_request_duration_seconds_bucket{app="api",le="0.005"} 1');
      expect(out).toContain('edge_http_request_duration_seconds_bucket{app="api",le="2.5"} 2');
      expect(out).toContain('edge_http_request_duration_seconds_count{app="web"} 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
