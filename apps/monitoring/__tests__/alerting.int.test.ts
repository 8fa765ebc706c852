// The alert path end to end on the stack: the stack's real exporters and Pushgateway → a real
// Prometheus → a real Alertmanager → local receivers that speak PagerDuty Events v2, Slack incoming
// webhooks and SMTP (STARTTLS + AUTH). The Prometheus and Alertmanager here run with configurations
// derived from the shipped ones (src/test-config.ts: shorter `for:`, 1 s intervals), next to the
// stack's own, so the scenarios take seconds. Needs root (it stops and restarts the stack's PostgreSQL).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../../../test/fake-pagerduty';
import { startFakeSlackWebhook, type FakeSlackWebhook } from '../../../test/fake-slack-webhook';
import { freePort, waitForPort } from '../../../test/net';
import { startSmtpReceiver, type SmtpReceiver } from '../../../test/smtp-receiver';
import { STACK_SCRIPT, stackEnv } from '../../../test/stack-env';
import { ALERTMANAGER_TEMPLATES_DIR, renderAlertmanagerConfig } from '../src/alertmanager-config';
import { derivedAlertmanagerConfig, derivedRules, testPrometheusConfig } from '../src/test-config';

const env = stackEnv();
const ENV = 'e2e-alerting'; // the env label of everything this test makes
const T = 120_000;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const pushgateway = (path: string, method: string, body?: string) =>
  fetch(`${env.STACK_PUSHGATEWAY_URL}/metrics/job/${path}`, { method, body }).then((r) => {
    if (!r.ok) throw new Error(`pushgateway ${method} ${path}: HTTP ${r.status}`);
  });

describe.runIf(process.getuid?.() === 0)(
  'alerts reach the right people (real Prometheus and Alertmanager)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerting-e2e-'));
    const children: ChildProcess[] = [];
    const routingKey = randomBytes(16).toString('hex');
    const smtpPassword = randomBytes(12).toString('hex');
    let pagerduty: FakePagerDuty;
    let slack: FakeSlackWebhook;
    let smtp: SmtpReceiver;
    let alertmanagerUrl: string;
    let prometheusUrl: string;
    /** What Prometheus and Alertmanager hold, for a failure message. */
    const state = async () =>
      JSON.stringify({
        prometheus: await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json(),
        targets: await (await fetch(`${prometheusUrl}/api/v1/query?query=up`)).json(),
        alertmanager: await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json(),
        pagerduty: pagerduty.events,
        rejected: pagerduty.rejected,
      });

    const start = (name: string, argv: string[], extraEnv: Record<string, string> = {}) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...extraEnv },
      });
      let log = '';
      child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      child.on('exit', (code) => code && code !== 143 && console.error(`${name} exited ${code}:\n${log}`));
      children.push(child);
      return child;
    };

    beforeAll(async () => {
      pagerduty = await startFakePagerDuty({ routingKey });
      slack = await startFakeSlackWebhook();
      smtp = await startSmtpReceiver({
        key: readFileSync(join(env.STACK_DIR!, 'acme/key.pem')),
        cert: readFileSync(join(env.STACK_DIR!, 'acme/cert.pem')),
        username: 'alertmanager',
        password: smtpPassword,
        recipients: ['oncall@contextai.test'],
      });
      // The secrets as the monitoring host keeps them: files only Alertmanager reads.
      const secrets = join(dir, 'secrets');
      execFileSync('install', ['-d', '-m', '0700', secrets]);
      writeFileSync(join(secrets, 'pagerduty-routing-key'), routingKey, { mode: 0o600 });
      writeFileSync(join(secrets, 'slack-webhook-url'), slack.url, { mode: 0o600 });
      writeFileSync(join(secrets, 'smtp-password'), smtpPassword, { mode: 0o600 });
      const rendered = renderAlertmanagerConfig({
        PAGERDUTY_URL: pagerduty.url,
        SECRETS_DIR: secrets,
        TEMPLATES_DIR: ALERTMANAGER_TEMPLATES_DIR,
        SMTP_SMARTHOST: smtp.address,
        SMTP_FROM: 'alertmanager@contextai.test',
        SMTP_USERNAME: 'alertmanager',
        EMAIL_TO: 'oncall@contextai.test',
        SLACK_CHANNEL: '#alerts',
      });
      for (const secret of [routingKey, smtpPassword, slack.url]) expect(rendered).not.toContain(secret);
      const amConfig = join(dir, 'alertmanager.yml');
      writeFileSync(amConfig, derivedAlertmanagerConfig(rendered));
      execFileSync('amtool', ['check-config', amConfig], { stdio: 'ignore' });
      const amPort = await freePort();
      alertmanagerUrl = `http://127.0.0.1:${amPort}`;
      // SSL_CERT_FILE: Go trusts the stack's CA, which signed the SMTP receiver's certificate
      const am = start(
        'alertmanager',
        [
          '/usr/bin/prometheus-alertmanager',
          `--config.file=${amConfig}`,
          `--storage.path=${join(dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=',
        ],
        { SSL_CERT_FILE: env.STACK_ACME_CA! },
      );
      await waitForPort(amPort, am);

      const rules = join(dir, 'rules.yml');
      writeFileSync(rules, derivedRules(['PostgresDown', 'BackupFailed', 'BackupStale']));
      execFileSync('promtool', ['check', 'rules', rules], { stdio: 'ignore' });
      const promPort = await freePort();
      prometheusUrl = `http://127.0.0.1:${promPort}`;
      const promConfig = join(dir, 'prometheus.yml');
      writeFileSync(
        promConfig,
        testPrometheusConfig({
          alertmanager: `127.0.0.1:${amPort}`,
          ruleFile: rules,
          jobs: [
            // with the database gone the exporter takes 1-2 s to answer (pg_up 0): a longer timeout
            {
              job_name: 'postgres',
              targets: [new URL(env.STACK_POSTGRES_EXPORTER_URL!).host],
              labels: { env: ENV },
              scrape_interval: '3s',
              scrape_timeout: '3s',
            },
            {
              job_name: 'pushgateway',
              targets: [new URL(env.STACK_PUSHGATEWAY_URL!).host],
              honor_labels: true,
            },
          ],
        }),
      );
      const prom = start('prometheus', [
        '/usr/bin/prometheus',
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(dir, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ]);
      await waitForPort(promPort, prom);
    }, T);

    afterAll(async () => {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
      );
      await pushgateway(`contextai_backup/kind/nightly/env/${ENV}`, 'DELETE').catch(() => {});
      await Promise.all([pagerduty?.close(), slack?.close(), smtp?.close()]);
      rmSync(dir, { recursive: true, force: true });
    });

    const pages = (alert: string) => pagerduty.events.filter((e) => e.payload?.summary.includes(alert));
    const slackAbout = (alert: string, status: 'FIRING' | 'RESOLVED') =>
      slack.messages.filter((m) =>
        m.attachments?.some((a) => a.title?.includes(`[${status}`) && a.title.includes(alert)),
      );
    const mailsAbout = (alert: string) => smtp.mails.filter((m) => m.subject.includes(alert));

    it(
      'stopping PostgreSQL pages (PagerDuty trigger with a dedup key, Slack, no e-mail), and it resolves with the same key',
      async () => {
        try {
          execFileSync('bash', [STACK_SCRIPT, 'stop', 'postgres'], { stdio: 'ignore' });
          const trigger = await until('the PagerDuty trigger', () =>
            pages('PostgresDown').find((e) => e.event_action === 'trigger'),
          ).catch(async (e: Error) => {
            throw new Error(`${e.message}: ${await state()}`);
          });
          expect(trigger.routing_key).toBe(routingKey);
          expect(trigger.dedup_key).toMatch(/^[0-9a-f]{64}$/);
          expect(trigger.payload).toMatchObject({ severity: 'critical', source: expect.any(String) });
          expect(trigger.payload!.summary).toContain(`PostgresDown (page, ${ENV})`);
          expect(JSON.stringify(trigger.payload!.custom_details)).toContain('docs/RUNBOOK.md#postgresdown');
          await until('the Slack message', () => slackAbout('PostgresDown', 'FIRING').length > 0);
          expect(slackAbout('PostgresDown', 'FIRING')[0]!.attachments![0]!.text).toContain('pg_up = 0');
        } finally {
          execFileSync('bash', [STACK_SCRIPT, 'up', 'postgres'], { stdio: 'ignore' });
        }
        const resolve = await until('the PagerDuty resolve', () =>
          pagerduty.events.find((e) => e.event_action === 'resolve'),
        );
        const trigger = pages('PostgresDown').find((e) => e.event_action === 'trigger')!;
        expect(resolve.dedup_key).toBe(trigger.dedup_key);
        await until('the resolved Slack message', () => slackAbout('PostgresDown', 'RESOLVED').length > 0);
        expect(mailsAbout('PostgresDown')).toEqual([]);
        expect(pagerduty.rejected).toEqual([]);
        expect(slack.rejected).toEqual([]);
      },
      T,
    );

    it(
      'a failed backup opens a ticket (e-mail over STARTTLS with AUTH, and Slack), no page',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        // a good run first (all four metrics), then a failed one: only the last-run metrics (POST
        // replaces those and keeps the last success timestamp), as the backup action pushes them
        await pushgateway(
          `contextai_backup/kind/nightly/env/${ENV}`,
          'PUT',
          `backup_last_success_timestamp_seconds ${now - 3600}\nbackup_last_run_timestamp_seconds ${now - 3600}\n` +
            `backup_last_run_success 1\nbackup_size_bytes 1048576\n`,
        );
        await pushgateway(
          `contextai_backup/kind/nightly/env/${ENV}`,
          'POST',
          `backup_last_run_timestamp_seconds ${now}\nbackup_last_run_success 0\n`,
        );
        const mail = await until('the e-mail', () => mailsAbout('BackupFailed')[0]);
        expect(mail).toMatchObject({
          to: ['oncall@contextai.test'],
          from: 'alertmanager@contextai.test',
          secure: true,
        });
        expect(mail.subject).toContain(`[FIRING:1] BackupFailed (ticket, ${ENV})`);
        expect(mail.text).toContain(
          'The last run of the nightly backups failed (backup_last_run_success = 0)',
        );
        expect(mail.text).toContain('docs/RUNBOOK.md#backupfailed');
        await until('the Slack message', () => slackAbout('BackupFailed', 'FIRING').length > 0);
        // the stale-backup alarm stays silent: the last success (an hour ago) is kept
        await new Promise((r) => setTimeout(r, 3000));
        expect(pages('BackupFailed')).toEqual([]);
        expect(pages('BackupStale')).toEqual([]);
        expect(mailsAbout('BackupStale')).toEqual([]);
        expect(smtp.rejected).toEqual([]);
      },
      T,
    );

    it(
      'a service that is down silences its error-rate and latency alerts (inhibition)',
      async () => {
        const alert = (alertname: string, severity: string) => ({
          labels: { alertname, severity, app: 'api', env: ENV },
          annotations: { summary: `${alertname} test`, description: 'test', runbook_url: 'x' },
        });
        const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([
            alert('ServiceDown', 'page'),
            alert('HighErrorRate', 'page'),
            alert('HighLatencyP95', 'ticket'),
          ]),
        });
        expect(res.status).toBe(200);
        await until('the ServiceDown page', () => pages('ServiceDown').length > 0);
        await until('the ServiceDown Slack message', () => slackAbout('ServiceDown', 'FIRING').length > 0);
        await new Promise((r) => setTimeout(r, 3000)); // > group_wait + group_interval
        expect(pages('HighErrorRate')).toEqual([]);
        expect(slackAbout('HighErrorRate', 'FIRING')).toEqual([]);
        expect(mailsAbout('HighLatencyP95')).toEqual([]);
        const inhibited = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts?inhibited=true`)).json()) as {
          labels: { alertname: string };
          status: { inhibitedBy: string[] };
        }[];
        const names = inhibited.filter((a) => a.status.inhibitedBy.length > 0).map((a) => a.labels.alertname);
        expect(names.sort()).toEqual(['HighErrorRate', 'HighLatencyP95']);
      },
      T,
    );
  },
);
