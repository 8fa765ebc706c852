// db-backup reports its outcome to the stack's real Pushgateway (job contextai_backup, grouping
// labels kind and env): a good backup replaces the group with all four metrics, a failed one
// updates only the last-run metrics, so the last success timestamp (the RPO alarm's input) survives.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction } from '../../../test/run-action';
import {
  ageKeyPair,
  deletePrefix,
  signingKeyPair,
  s3For,
  sql,
  stack,
  tempDir,
} from '../../../test/backup-fixture';

const run = Date.now().toString(36);
const DB = `dbb_push_${run}`;
const ENV = `push-int-${run}`;
const PASSWORD = 'canary-push-pw-7e21';
const s = stack();
const s3 = s3For(s.endpoint, s.awsEnv);
const pushgateway = s.env.STACK_PUSHGATEWAY_URL!;
const group = `${pushgateway}/metrics/job/contextai_backup/kind/hourly/env/${ENV}`;
const work = tempDir('dbb-push');
const keys = ageKeyPair(work);
const signing = signingKeyPair(work);

const backup = (password: string, extra: Record<string, string> = {}) =>
  runAction(
    'db-backup',
    {
      'database-url': s.pgUrl(DB, DB, password),
      bucket: s.bucket,
      prefix: `it-${run}/`,
      endpoint: s.endpoint,
      'force-path-style': 'true',
      recipients: keys.recipient,
      'signing-key': signing.privatePem,
      'pushgateway-url': pushgateway,
      environment: ENV,
      'backup-kind': 'hourly',
      ...extra,
    },
    { env: s.awsEnv },
  );

/** Our group's samples as Prometheus scrapes them from the Pushgateway. */
async function pushed(): Promise<Record<string, number>> {
  const text = await (await fetch(`${pushgateway}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(backup_\w+)\{([^}]*)\} (\S+)$/gm))
    if (m[2]!.includes(`env="${ENV}"`) && m[2]!.includes('kind="hourly"')) out[m[1]!] = Number(m[3]);
  return out;
}

beforeAll(async () => {
  await sql(s.pgUrl('postgres'), `CREATE ROLE ${DB} LOGIN PASSWORD '${PASSWORD}'`);
  await sql(s.pgUrl('postgres'), `CREATE DATABASE ${DB} OWNER ${DB}`);
  await sql(s.pgUrl(DB, DB, PASSWORD), `CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g`);
});

afterAll(async () => {
  await fetch(group, { method: 'DELETE' }).catch(() => undefined);
  await deletePrefix(s3, s.bucket, `it-${run}/`).catch(() => undefined);
  await sql(s.pgUrl('postgres'), `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
  await sql(s.pgUrl('postgres'), `DROP ROLE IF EXISTS ${DB}`).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('db-backup pushes its outcome (real Pushgateway)', () => {
  it('a good backup pushes all four metrics; a failed one only the last run, keeping the last success', async () => {
    const before = Math.floor(Date.now() / 1000);
    const good = await backup(PASSWORD);
    expect(good.code, good.stdout).toBe(0);
    const afterGood = await pushed();
    expect(afterGood.backup_last_run_success).toBe(1);
    expect(afterGood.backup_size_bytes).toBe(Number(good.outputs['size-bytes']));
    expect(afterGood.backup_last_success_timestamp_seconds).toBeGreaterThanOrEqual(before);
    expect(afterGood.backup_last_run_timestamp_seconds).toBe(afterGood.backup_last_success_timestamp_seconds);
    expect(good.stdout).toContain(
      `Pushed the backup outcome (success) to contextai_backup {kind=hourly, env=${ENV}}`,
    );

    await new Promise((r) => setTimeout(r, 1100)); // a later second for the failed run
    const bad = await backup('wrong-canary-push-pw');
    expect(bad.code).toBe(1);
    expect(await pushed()).toEqual({
      ...afterGood,
      backup_last_run_success: 0,
      backup_last_run_timestamp_seconds: expect.any(Number),
    });
    expect((await pushed()).backup_last_run_timestamp_seconds).toBeGreaterThan(
      afterGood.backup_last_success_timestamp_seconds!,
    );
    expect(everythingPrinted(bad)).not.toContain('wrong-canary-push-pw');
  });

  it('an unreachable Pushgateway is a warning, never the good backup’s failure', async () => {
    const result = await backup(PASSWORD, {
      'pushgateway-url': 'http://127.0.0.1:9',
      'backup-kind': 'nightly',
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(
      /::warning::Could not report the backup outcome: Pushgateway PUT .* failed/,
    );
  });

  it('refuses a Pushgateway URL without an environment before backing anything up', async () => {
    const result = await backup(PASSWORD, { environment: '' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/environment. is required with `pushgateway-url`/);
    expect(result.stdout).not.toContain('Backup ');
  });
});
