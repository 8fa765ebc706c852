import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingPrinted, runAction, type ActionRun } from '../../../test/run-action';
import { FAKE_SLACK_TOKEN, startFakeSlack, type FakeSlack } from '../../../test/fake-slack';
import { manifestKey, sidecarKey } from '../../lib/backup/naming';
import { signManifest } from '../../lib/backup/signing';
import {
  markScratch,
  signingKeyPair,
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
const signing = signingKeyPair(work);
let slack: FakeSlack;
let backupKey: string;

function drill(inputs: Record<string, string> = {}, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction(
    'restore-drill',
    {
      bucket: s.bucket,
      prefix,
      endpoint: s.endpoint,
      'force-path-style': 'true',
      identity: age.identity,
      'manifest-public-key': signing.publicPem,
      'target-database-url': s.pgUrl(SCRATCH),
      'slack-token': FAKE_SLACK_TOKEN,
      'slack-channel': '#ops',
      ...inputs,
    },
    { env: { ...s.awsEnv, SLACK_API_URL: slack.url, ...env } },
  );
}

/** Stores a copy of a backup under `key` with this manifest, signed by the trusted key. */
async function putSigned(key: string, body: Buffer, manifest: object) {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  await put(s3, s.bucket, key, body);
  await put(s3, s.bucket, sidecarKey(key, 'signature'), signManifest(text, signing.privateKey));
  await put(s3, s.bucket, manifestKey(key), text);
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
  await markScratch(admin, SCRATCH);
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
      'signing-key': signing.privatePem,
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
    await putSigned(key, await getBytes(s3, s.bucket, backupKey), {
      ...manifest,
      key,
      tables: manifest.tables.map((t: { rows: number }) => ({ ...t, rows: t.rows + 1 })),
    });
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
    expect(result.stdout).toMatch(
      /No good backup \(object \+ signed manifest, not failed verification\) under s3:\/\/.*nothing-here/,
    );
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

  it('takes the newest verified backup over newer unverified ones, and never a failed one', async () => {
    const vprefix = `it-${run}/choice/`;
    const body = await getBytes(s3, s.bucket, backupKey);
    const manifest = JSON.parse((await getBytes(s3, s.bucket, manifestKey(backupKey))).toString());
    const at = (stamp: string) => `${vprefix}${stamp}-abcdef.dump.zst.age`;
    const [verified, unverified, failed] = [
      at('20260101T000000Z'),
      at('20260102T000000Z'),
      at('20260103T000000Z'),
    ];
    for (const key of [verified, unverified, failed]) await putSigned(key, body, { ...manifest, key });
    await put(s3, s.bucket, sidecarKey(verified, 'verified'), '{}');
    await put(s3, s.bucket, sidecarKey(failed, 'failed'), '{}');
    const first = await drill({ prefix: vprefix });
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs.key).toBe(verified);
    expect(first.stdout).not.toMatch(/unverified one/);
    // Without a verified one: the newest unverified, with a warning; still never the failed one.
    await deletePrefix(s3, s.bucket, sidecarKey(verified, 'verified'));
    const second = await drill({ prefix: vprefix });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs.key).toBe(unverified);
    expect(second.stdout).toMatch(/::warning::No verified backup under .*: taking the newest unverified one/);
  });

  it('refuses a forged manifest (signed by another key) before downloading anything', async () => {
    const fprefix = `it-${run}/forged/`;
    const key = `${fprefix}20260101T000000Z-abcdef.dump.zst.age`;
    const manifest = JSON.parse((await getBytes(s3, s.bucket, manifestKey(backupKey))).toString());
    const text = JSON.stringify({ ...manifest, key });
    const attacker = signingKeyPair(tempDir('drill-attacker'));
    await put(s3, s.bucket, key, await getBytes(s3, s.bucket, backupKey));
    await put(s3, s.bucket, sidecarKey(key, 'signature'), signManifest(text, attacker.privateKey));
    await put(s3, s.bucket, manifestKey(key), text);
    await sql(s.pgUrl(SCRATCH), 'CREATE TABLE IF NOT EXISTS canary_table (x int)');
    const result = await drill({ prefix: fprefix });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /none of the trusted public keys \(sha256:[0-9a-f]{16}\): refusing it before anything else/,
    );
    expect(result.stdout).not.toMatch(/Downloading/);
    const left = await sql(s.pgUrl(SCRATCH), `select 1 from pg_tables where tablename = 'canary_table'`);
    expect(left).toHaveLength(1);
  });

  it('refuses to empty a target that is not marked scratch, or that is the backed-up database itself', async () => {
    const unmarked = `drill_unmarked_${run}`;
    await sql(admin, `CREATE DATABASE ${unmarked}`);
    try {
      await sql(s.pgUrl(unmarked), 'CREATE TABLE precious (v int); INSERT INTO precious VALUES (1);');
      const result = await drill({ 'target-database-url': s.pgUrl(unmarked) });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/does not carry the scratch marker/);
      expect(await sql(s.pgUrl(unmarked), 'select * from precious')).toHaveLength(1);
    } finally {
      await sql(admin, `DROP DATABASE IF EXISTS ${unmarked} WITH (FORCE)`);
    }
    // Even marked by mistake, the source (as the signed manifest identifies it) is never emptied.
    await markScratch(admin, SOURCE);
    try {
      const result = await drill({ prefix, 'target-database-url': s.pgUrl(SOURCE) });
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(
        /it is the database being backed up \(same cluster, system identifier \d+/,
      );
      expect(await sql(s.pgUrl(SOURCE), 'select count(*) from items')).toEqual([{ count: '5000' }]);
    } finally {
      await sql(admin, `COMMENT ON DATABASE ${SOURCE} IS NULL`);
    }
  });

  it('keeps the age identity inside RUNNER_TEMP, never in /dev/shm', async () => {
    const runnerTemp = tempDir('drill-runner-temp');
    const shmBefore = new Set(existsSync('/dev/shm') ? readdirSync('/dev/shm') : []);
    const seen = { shm: [] as string[], runnerTemp: false };
    let running = true;
    const watch = (async () => {
      while (running) {
        if (existsSync('/dev/shm'))
          for (const name of readdirSync('/dev/shm')) if (!shmBefore.has(name)) seen.shm.push(name);
        for (const dir of readdirSync(runnerTemp))
          if (existsSync(join(runnerTemp, dir, 'age', 'identity'))) seen.runnerTemp = true;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // The choice test's prefix: its newest candidate is a sound copy of the backup.
    const result = await drill({ prefix: `it-${run}/choice/` }, { RUNNER_TEMP: runnerTemp });
    running = false;
    await watch;
    expect(result.code, result.stdout).toBe(0);
    expect(seen.shm.filter((n) => n.startsWith('age-'))).toEqual([]);
    expect(seen.runnerTemp).toBe(true);
    expect(readdirSync(runnerTemp)).toEqual([]); // removed when the restore ended
    rmSync(runnerTemp, { recursive: true, force: true });
  });
});
