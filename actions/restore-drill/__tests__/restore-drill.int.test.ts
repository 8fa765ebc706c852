import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../test/fake-slack';
import { manifestKey } from '../../lib/backup/naming';
import {
  deletePrefix,
  ageKeyPair,
  getBytes,
  put,
  s3For,
  sql,
  stack,
  tempDir,
} from '../../../test/backup-fixture';

const run = Date.now().toString(36);
const SOURCE = `drill_src_${run}`;
const SCRATCH = `drill_scratch_${run}`;
const prefix = `it-${run}/drill/`;
const s = stack();
const s3 = s3For(s.endpoint, s.awsEnv);
const admin = s.pgUrl('postgres');
const work = tempDir('drill-int');
const age = ageKeyPair(work);
let slack: FakeSlack;
let backupKey: string;

function drill(inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    'restore-drill',
    {
      bucket: s.bucket,
      prefix,
      endpoint: s.endpoint,
      'force-path-style': 'true',
      identity: age.identity,
      'target-database-url': s.pgUrl(SCRATCH),
      'slack-token': FAKE_SLACK_TOKEN,
      'slack-channel': '#ops',
      ...inputs,
    },
    { env: { ...s.awsEnv, SLACK_API_URL: slack.url } },
  );
}

function expectNoSecrets(result: ActionRun) {
  const printed = everythingPrinted(result);
  for (const secret of [age.identity, s.env.STACK_PG_PASSWORD!, FAKE_SLACK_TOKEN])
    expect(printed).not.toContain(secret);
}

beforeAll(async () => {
  slack = await startFakeSlack();
  await sql(admin, `CREATE DATABASE ${SOURCE}`);
  await sql(admin, `CREATE DATABASE ${SCRATCH}`);
  await sql(
    s.pgUrl(SOURCE),
    `CREATE TABLE items AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g; CREATE TABLE tags (t text); INSERT INTO tags VALUES ('a'), ('b');`,
  );
  const backup = await runAction(
    'db-backup',
    {
      'database-url': s.pgUrl(SOURCE),
      bucket: s.bucket,
      prefix,
      endpoint: s.endpoint,
      'force-path-style': 'true',
      recipients: age.recipient,
    },
    { env: s.awsEnv },
  );
  expect(backup.code, backup.stdout).toBe(0);
  backupKey = backup.outputs.key!;
});

afterAll(async () => {
  await slack?.close();
  await deletePrefix(s3, s.bucket, `it-${run}/`).catch(() => undefined);
  for (const db of [SOURCE, SCRATCH])
    await sql(admin, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('restore-drill', () => {
  it('restores the latest good backup into the scratch database, replacing what was there', async () => {
    await sql(
      s.pgUrl(SCRATCH),
      'CREATE TABLE leftover (x int); CREATE SCHEMA junk; CREATE TABLE junk.t (y int);',
    );
    const result = await drill();
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ key: backupKey, tables: '2', rows: '5002' });
    expect(Number(result.outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(result.summary).toContain('tables and row counts match the manifest');
    const tables = await sql<{ name: string }>(
      s.pgUrl(SCRATCH),
      `select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog','information_schema') order by 1`,
    );
    expect(tables.map((t) => t.name)).toEqual(['public.items', 'public.tags']);
    expect(slack.messages).toHaveLength(0);
    expectNoSecrets(result);
  });

  it('fails and alerts when the restored data does not match the manifest', async () => {
    // A newer "good" backup whose manifest claims other row counts (same bytes, same sha256).
    const key = backupKey.replace(/\d{8}T\d{6}Z/, '29990101T000000Z');
    const manifest = JSON.parse((await getBytes(s3, s.bucket, manifestKey(backupKey))).toString());
    await put(s3, s.bucket, key, await getBytes(s3, s.bucket, backupKey));
    await put(
      s3,
      s.bucket,
      manifestKey(key),
      JSON.stringify({
        ...manifest,
        key,
        tables: manifest.tables.map((t: { rows: number }) => ({ ...t, rows: t.rows + 1 })),
      }),
    );
    const result = await drill();
    expect(result.code).toBe(1);
    expect(result.outputs.key).toBe(key);
    expect(result.stdout).toMatch(
      /does not match its manifest: public\.items: 5000 rows, manifest says 5001/,
    );
    expect(slack.messages.at(-1)?.text).toMatch(/Restore drill FAILED/);
    expectNoSecrets(result);
  });

  it('fails with a clear message when there is no good backup', async () => {
    const result = await drill({ prefix: `it-${run}/nothing-here/` });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/No good backup \(object \+ manifest\) under s3:\/\/.*nothing-here/);
    expectNoSecrets(result);
  });

  it('rejects bad inputs all at once, without echoing secrets', async () => {
    const result = await drill({
      identity: 'AGE-SECRET-KEY-not-a-key-canary',
      'target-database-url': 'mysql://nope',
      prefix: '/abs',
      'slack-channel': '',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /`target-database-url` is not a PostgreSQL URL[\s\S]*`identity` is not an age identity[\s\S]*`prefix` is not valid[\s\S]*`slack-channel` is required/,
    );
    expect(everythingPrinted(result)).not.toContain('not-a-key-canary');
  });
});
