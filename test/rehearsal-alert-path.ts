// `tsx test/rehearsal-alert-path.ts <env-file>` (scripts/rehearse): the monitoring deploy and the
// alert path on the stack. Starts the receivers that stand in for PagerDuty and Slack (the strict
// fakes of the alerting tests), runs monitoring-deploy.yml with the engine so the stack's
// Alertmanager sends to them (secrets in files, as on a monitoring host), then reports a nightly
// backup whose last success is 27 hours old, as the backup action does, and waits for BackupStale to
// page: a PagerDuty trigger and a Slack message. Prints what arrived and how long it took.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKUP_SERIES, pushOutcome } from '../actions/lib/monitoring/run-metrics';
import { envFileText } from '../workflows/src/rehearsal-env';
import { parseEnvFile } from '../workflows/src/values';
import { startFakePagerDuty } from './fake-pagerduty';
import { startFakeSlackWebhook } from './fake-slack-webhook';
import { stackEnv } from './stack-env';

// A new `env` per run, hence a new alert group: Alertmanager does not page again, within the
// repeat interval, for an alert it already sent whose resolution never reached a receiver (the last
// run's fakes are gone), so a second rehearsal on the same stack would wait in vain.
const ENV = `rehearsal-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`;
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(envFile: string): Promise<void> {
  const stack = stackEnv();
  const routingKey = randomBytes(16).toString('hex');
  const pagerduty = await startFakePagerDuty({ routingKey });
  const slack = await startFakeSlackWebhook();
  const group = `${stack.STACK_PUSHGATEWAY_URL}/metrics/job/contextai_backup/kind/nightly/env/${ENV}`;
  try {
    // the receivers' secrets as the monitoring host keeps them
    const secrets = join(stack.STACK_DIR!, 'rehearsal', 'alert-secrets');
    mkdirSync(secrets, { recursive: true, mode: 0o700 });
    writeFileSync(join(secrets, 'pagerduty-routing-key'), routingKey, { mode: 0o600 });
    writeFileSync(join(secrets, 'slack-webhook-url'), slack.url, { mode: 0o600 });
    writeFileSync(join(secrets, 'smtp-password'), randomBytes(12).toString('hex'), { mode: 0o600 });
    const values = parseEnvFile(readFileSync(envFile, 'utf8'));
    const monitoring = values.environments.monitoring;
    if (!monitoring)
      throw new Error(`${envFile} has no monitoring environment (is the stack's Prometheus up?)`);
    Object.assign(monitoring.vars, { PAGERDUTY_URL: pagerduty.url, ALERTMANAGER_SECRETS_DIR: secrets });
    const deployEnv = `${envFile}.monitoring`;
    writeFileSync(deployEnv, envFileText(values), { mode: 0o600 });

    const run = spawnSync(
      'npx',
      [
        'pipeline',
        'run',
        'monitoring-deploy.yml',
        '--event',
        'workflow_dispatch',
        '--ref',
        'refs/heads/main',
        '--env-file',
        deployEnv,
      ],
      { stdio: 'inherit' },
    );
    if (run.status !== 0) throw new Error('monitoring-deploy.yml failed');
    console.log(
      `\nmonitoring deployed (+${seconds()}); the stack's Alertmanager now sends to the local receivers`,
    );

    // the newest good nightly backup 27 h old, then a failed run: BackupStale (page) and BackupFailed (ticket)
    const target = { url: stack.STACK_PUSHGATEWAY_URL!, labels: { kind: 'nightly', env: ENV } };
    await pushOutcome(target, BACKUP_SERIES, {
      success: true,
      at: new Date(Date.now() - 27 * 3600_000),
      sizeBytes: 1,
    });
    await pushOutcome(target, BACKUP_SERIES, { success: false, at: new Date() });
    console.log(`pushed: last good nightly backup of env=${ENV} 27 h ago, last run failed (+${seconds()})`);
    console.log(
      'waiting for Prometheus (15 s evaluation) and Alertmanager (30 s group_wait, the shipped values)…',
    );
    const page = await until(
      'PagerDuty trigger for BackupStale',
      () =>
        pagerduty.events.find(
          (e) => e.event_action === 'trigger' && e.payload?.summary.includes('BackupStale'),
        ),
      150_000,
    );
    console.log(
      `PagerDuty  ${page.event_action} dedup_key=${page.dedup_key?.slice(0, 12)}… "${page.payload?.summary}" (+${seconds()})`,
    );
    const message = await until(
      'Slack message for BackupStale',
      () => slack.messages.find((m) => m.attachments?.some((a) => a.title?.includes('BackupStale'))),
      60_000,
    );
    console.log(`Slack      "${message.attachments![0]!.title}" (+${seconds()})`);
    if (pagerduty.rejected.length || slack.rejected.length)
      throw new Error(
        `a receiver refused a request: ${JSON.stringify([pagerduty.rejected, slack.rejected])}`,
      );
    console.log(`alert path: backup metrics → Prometheus → Alertmanager → PagerDuty + Slack in ${seconds()}`);
  } finally {
    await fetch(group, { method: 'DELETE' }).catch(() => undefined);
    await Promise.all([pagerduty.close(), slack.close()]);
  }
}

const envFile = process.argv[2];
if (!envFile) {
  process.stderr.write('usage: tsx test/rehearsal-alert-path.ts <env-file>\n');
  process.exit(2);
}
main(envFile).catch((error: Error) => {
  process.stderr.write(`alert path: ${error.message}\n`);
  process.exit(1);
});
