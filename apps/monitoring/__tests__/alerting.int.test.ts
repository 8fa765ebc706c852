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
import { BACKUP_SERIES, pushOutcome } from '../../../actions/lib/monitoring/run-metrics';
import { ageKeyPair, signingKeyPair, stack, tempDir } from '../../../test/backup-fixture';
import { runAction } from '../../../test/run-action';

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

const backupWork = tempDir('alerting-backup');
const backupKeys = ageKeyPair(backupWork);
const signing = signingKeyPair(backupWork);

/** A real db-backup run that fails (pg_dump refused: wrong password) and pushes its outcome. */
function failedBackupRun(kind: string) {
  const s = stack();
  return runAction(
    'db-backup',
    {
      'database-url': s.pgUrl('postgres', env.STACK_PG_USER, 'wrong-password'),
      bucket: s.bucket,
      prefix: 'e2e-alerting/',
      endpoint: s.endpoint,
      'force-path-style': 'true',
      recipients: backupKeys.recipient,
      'signing-key': signing.privatePem,
      'pushgateway-url': env.STACK_PUSHGATEWAY_URL,
      environment: ENV,
      'backup-kind': kind,
    },
    { env: s.awsEnv },
  );
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
      for (const kind of ['nightly', 'hourly'])
        await pushgateway(`contextai_backup/kind/${kind}/env/${ENV}`, 'DELETE').catch(() => {});
      rmSync(backupWork, { recursive: true, force: true });
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
      'a failed backup run opens a ticket (e-mail over STARTTLS with AUTH, and Slack), no page; the last success survives',
      async () => {
        // yesterday's good nightly backup an hour ago, as the push client reports it, then a real
        // db-backup run that fails (pg_dump refused): it pushes only the last-run metrics (POST)
        await pushOutcome(
          { url: env.STACK_PUSHGATEWAY_URL!, labels: { kind: 'nightly', env: ENV } },
          BACKUP_SERIES,
          {
            success: true,
            at: new Date(Date.now() - 3600_000),
            sizeBytes: 1_048_576,
          },
        );
        const failed = await failedBackupRun('nightly');
        expect(failed.code).toBe(1);
        expect(failed.stdout).toContain(
          `Pushed the backup outcome (failure) to contextai_backup {kind=nightly, env=${ENV}}`,
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
      'no good hourly backup for three hours pages (BackupStale, the RPO alarm) from what the backups pushed',
      async () => {
        // the last good hourly backup three hours ago, then a failed run now: the newest good backup
        // is older than the hourly schedule allows (2 h)
        await pushOutcome(
          { url: env.STACK_PUSHGATEWAY_URL!, labels: { kind: 'hourly', env: ENV } },
          BACKUP_SERIES,
          {
            success: true,
            at: new Date(Date.now() - 3 * 3600_000),
            sizeBytes: 1_048_576,
          },
        );
        expect((await failedBackupRun('hourly')).code).toBe(1);
        const trigger = await until('the BackupStale page', () =>
          pages('BackupStale').find((e) => e.event_action === 'trigger'),
        ).catch(async (e: Error) => {
          throw new Error(`${e.message}: ${await state()}`);
        });
        expect(trigger.payload!.summary).toContain(`BackupStale (page, ${ENV})`);
        expect(JSON.stringify(trigger.payload!.custom_details)).toContain('docs/RUNBOOK.md#backupstale');
        expect(JSON.stringify(trigger.payload!.custom_details)).toContain('No good hourly backup');
        await until('the Slack message', () => slackAbout('BackupStale', 'FIRING').length > 0);
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
