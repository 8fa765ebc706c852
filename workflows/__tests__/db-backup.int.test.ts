import { execFileSync } from 'node:child_process';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { e2eEnvironment, runReal } from './e2e';

describe('db-backup.yml on the stack', () => {
  it('leaves a good, verified backup with its manifest in S3, and prints no secret', async () => {
    const env = e2eEnvironment('backup');
    const ops = env.environments.operations!;
    const db = ops.secrets.DATABASE_URL!;
    execFileSync('psql', [
      db,
      '-qc',
      'CREATE TABLE IF NOT EXISTS e2e_rows(id int); TRUNCATE e2e_rows; INSERT INTO e2e_rows SELECT generate_series(1, 500);',
    ]);

    const run = await runReal('db-backup.yml', env, {
      event: 'workflow_dispatch',
      ref: 'refs/heads/main',
      inputs: { kind: 'nightly' },
    });
    expect(run.result.conclusion, run.printed).toBe('success');
    const key = /Backup (e2e-backup\/nightly\/\S+):/.exec(run.printed)?.[1];
    expect(key, run.printed).toBeDefined();
    expect(run.printed).toContain('Verified: tables and row counts match the manifest');

    const s3 = new S3Client({
      endpoint: ops.vars.S3_ENDPOINT,
      forcePathStyle: true,
      region: ops.vars.AWS_REGION,
      credentials: {
        accessKeyId: ops.secrets.AWS_ACCESS_KEY_ID!,
        secretAccessKey: ops.secrets.AWS_SECRET_ACCESS_KEY!,
      },
    });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: ops.vars.BACKUP_BUCKET, Prefix: 'e2e-backup/nightly/' }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    expect(keys).toContain(key);
    const manifestKey = keys.find((k) => k.startsWith(key!.replace(/\.dump.*$/, '')) && k.endsWith('.json'));
    expect(manifestKey, keys.join('\n')).toBeDefined();
    const manifest = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: ops.vars.BACKUP_BUCKET, Key: manifestKey }))
      ).Body!.transformToString(),
    );
    expect(JSON.stringify(manifest)).toContain('e2e_rows');

    for (const secret of [
      ops.secrets.BACKUP_IDENTITY!,
      ops.secrets.AWS_SECRET_ACCESS_KEY!,
      new URL(db).password,
    ])
      if (secret.length >= 8) expect(run.printed).not.toContain(secret);
  });

  it('restore-drill.yml restores the latest nightly backup into the scratch database and checks it', async () => {
    const env = e2eEnvironment('backup');
    const ops = env.environments.operations!;
    const scratch = ops.secrets.SCRATCH_DATABASE_URL!;
    // The nightly verify restored into the same scratch database: empty it so only the drill can refill it.
    execFileSync('psql', [scratch, '-qc', 'DROP TABLE IF EXISTS e2e_rows']);
    const run = await runReal('restore-drill.yml', env, { event: 'schedule', ref: 'refs/heads/main' });
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toMatch(/e2e-backup\/nightly\//);
    const rows = execFileSync('psql', [scratch, '-tAc', 'SELECT count(*) FROM e2e_rows'], {
      encoding: 'utf8',
    });
    expect(rows.trim()).toBe('500');
    expect(run.printed).not.toContain(ops.secrets.BACKUP_IDENTITY!);
  });

  it('the hourly schedule uses the hourly series and short retention', async () => {
    const env = e2eEnvironment('backup');
    const run = await runReal('db-backup.yml', env, { event: 'schedule', ref: 'refs/heads/main' });
    expect(run.result.conclusion, run.printed).toBe('success');
    expect(run.printed).toMatch(/Backup e2e-backup\/hourly\//);
  });
});
