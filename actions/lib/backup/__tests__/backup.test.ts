import { describe, expect, it } from 'vitest';
import { groupBackups } from '../catalog';
import { compareTables, describeComparison } from '../compare';
import { parseDatabaseUrl, sameDatabase, libpqEnv } from '../database-url';
import { MANIFEST_FORMAT, parseManifest, recipientFingerprint } from '../manifest';
import { backupKey, backupTime, defaultPrefix, manifestKey } from '../naming';
import { describeFailures, failedStages } from '../pipeline';
import { decryptStages, dumpStages, restoreArgv, AGE_RECIPIENT, AGE_IDENTITY } from '../plan';
import { planRetention } from '../retention';
import { parseVersion } from '../tools';
import { partSizeFor } from '../upload';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

describe('database URL', () => {
  it('keeps the password out of the URL given to pg tools', () => {
    const t = parseDatabaseUrl('postgres://app:s%40cret@db.internal:6432/app_prod?sslmode=require')!;
    expect(t).toMatchObject({
      database: 'app_prod',
      host: 'db.internal',
      port: '6432',
      user: 'app',
      password: 's@cret',
    });
    expect(t.urlWithoutPassword).toBe('postgres://app@db.internal:6432/app_prod?sslmode=require');
    expect(libpqEnv(t, { PGPASSWORD: 'old', PATH: '/bin' })).toEqual({ PGPASSWORD: 's@cret', PATH: '/bin' });
  });

  it('rejects what is not a PostgreSQL URL', () => {
    for (const bad of ['mysql://x@h/db', 'postgres://h', 'not a url', 'postgres://u@h/'])
      expect(parseDatabaseUrl(bad)).toBeUndefined();
  });

  it('recognises the same database behind localhost and 127.0.0.1', () => {
    const a = parseDatabaseUrl('postgres://u:p@localhost:5432/app')!;
    expect(sameDatabase(a, parseDatabaseUrl('postgresql://other@127.0.0.1/app')!)).toBe(true);
    expect(sameDatabase(a, parseDatabaseUrl('postgres://u@127.0.0.1:5432/scratch')!)).toBe(false);
  });
});

describe('naming', () => {
  it('encodes the start time in a sortable key and reads it back', () => {
    const key = backupKey('postgres/app/', new Date('2026-05-01T03:04:05.678Z'), 'a1b2c3');
    expect(key).toBe('postgres/app/20260501T030405Z-a1b2c3.dump.zst.age');
    expect(manifestKey(key)).toBe(`${key}.manifest.json`);
    expect(backupTime('postgres/app/', key)?.toISOString()).toBe('2026-05-01T03:04:05.000Z');
    expect(backupTime('postgres/other/', key)).toBeUndefined();
    expect(backupTime('postgres/app/', 'postgres/app/notes.txt')).toBeUndefined();
    expect(defaultPrefix('app')).toBe('postgres/app/');
  });
});

describe('plans', () => {
  it('dumps uncompressed custom format in the exported snapshot, then zstd, then age to every recipient into the output', () => {
    const stages = dumpStages({
      urlWithoutPassword: 'postgres://u@h:5432/db',
      snapshot: '00000003-0000001B-1',
      compressionLevel: 3,
      recipients: [RECIPIENT, RECIPIENT],
      outputPath: '/t/output.fifo',
    });
    expect(stages.map((s) => s.argv)).toEqual([
      [
        'pg_dump',
        '--format=custom',
        '--compress=0',
        '--snapshot=00000003-0000001B-1',
        '--dbname=postgres://u@h:5432/db',
      ],
      ['zstd', '-3', '--threads=0', '--quiet', '--stdout'],
      ['age', '--encrypt', '--recipient', RECIPIENT, '--recipient', RECIPIENT, '--output', '/t/output.fifo'],
    ]);
  });

  it('decrypts into a file and restores with parallel jobs, clean and no-owner only when asked', () => {
    expect(decryptStages('/k', '/t/d.dump').map((s) => s.argv)).toEqual([
      ['age', '--decrypt', '--identity', '/k'],
      ['zstd', '--decompress', '--quiet', '--force', '-o', '/t/d.dump'],
    ]);
    expect(
      restoreArgv({
        urlWithoutPassword: 'postgres://u@h/db',
        dumpPath: '/t/d.dump',
        jobs: 2,
        clean: false,
        noOwner: false,
      }),
    ).toEqual(['pg_restore', '--exit-on-error', '--jobs=2', '--dbname=postgres://u@h/db', '/t/d.dump']);
    expect(
      restoreArgv({
        urlWithoutPassword: 'postgres://u@h/db',
        dumpPath: '/d',
        jobs: 4,
        clean: true,
        noOwner: true,
      }),
    ).toEqual([
      'pg_restore',
      '--exit-on-error',
      '--jobs=4',
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-acl',
      '--dbname=postgres://u@h/db',
      '/d',
    ]);
  });

  it('accepts age X25519 keys only', () => {
    expect(AGE_RECIPIENT.test(RECIPIENT)).toBe(true);
    expect(AGE_RECIPIENT.test('ssh-ed25519 AAAA')).toBe(false);
    expect(
      AGE_IDENTITY.test('AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX'),
    ).toBe(true);
  });

  it('reads tool versions', () => {
    expect(parseVersion('pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)')).toBe('15.14');
    expect(parseVersion('*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***')).toBe('1.5.4');
    expect(parseVersion('v1.1.1\n')).toBe('1.1.1');
  });
});

describe('pipeline failures', () => {
  it('treats any non-zero exit or signal as a failure, naming each process', () => {
    const exits = [
      { name: 'pg_dump', code: null, signal: 'SIGKILL' as const, stderr: 'pg_dump: error: connection lost' },
      { name: 'zstd', code: 0, signal: null, stderr: '' },
      { name: 'age', code: 1, signal: null, stderr: 'secret-x here' },
    ];
    const failed = failedStages(exits);
    expect(failed.map((f) => f.name)).toEqual(['pg_dump', 'age']);
    expect(describeFailures(failed, (t) => t.replace('secret-x', '***'))).toBe(
      'pg_dump was killed by SIGKILL: pg_dump: error: connection lost; age exited with 1: *** here',
    );
  });
});

describe('multipart part size', () => {
  it('starts at 8 MiB and doubles every 1000 parts, capped at 5 GiB', () => {
    expect(partSizeFor(1)).toBe(8 * MiB);
    expect(partSizeFor(1000)).toBe(8 * MiB);
    expect(partSizeFor(1001)).toBe(16 * MiB);
    expect(partSizeFor(10_000)).toBe(4096 * MiB);
    let total = 0;
    for (let n = 1; n <= 10_000; n += 1) total += partSizeFor(n);
    expect(total).toBeGreaterThan(7.5 * 1024 ** 4); // ~7.8 TiB within S3's 10,000 parts
  });
});

const manifest = {
  format: MANIFEST_FORMAT,
  key: 'p/20260101T000000Z-abcdef.dump.zst.age',
  sha256: 'a'.repeat(64),
  size_bytes: 1234,
  tables: [{ schema: 'public', table: 't', rows: 3 }],
};

describe('manifest', () => {
  it('parses a valid manifest and refuses a wrong key, bad hash or missing tables', () => {
    expect(parseManifest(JSON.stringify(manifest), manifest.key).sha256).toBe('a'.repeat(64));
    expect(() => parseManifest(JSON.stringify(manifest), 'p/other')).toThrow(/key names/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, sha256: 'xyz' }))).toThrow(/sha256/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, tables: undefined }))).toThrow(/tables/);
    expect(() => parseManifest('{not json')).toThrow(/not valid JSON/);
  });

  it('fingerprints recipients without storing them', () => {
    expect(recipientFingerprint(RECIPIENT)).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(recipientFingerprint(RECIPIENT)).not.toContain(RECIPIENT.slice(4, 20));
  });
});

describe('compareTables', () => {
  it('reports missing, unexpected and different tables', () => {
    const c = compareTables(
      [
        { schema: 'public', table: 'a', rows: 1 },
        { schema: 'public', table: 'b', rows: 2 },
        { schema: 's', table: 'c', rows: 3 },
      ],
      [
        { schema: 'public', table: 'a', rows: 1 },
        { schema: 'public', table: 'b', rows: 5 },
        { schema: 'x', table: 'd', rows: 0 },
      ],
    );
    expect(c).toEqual({
      ok: false,
      missing: ['s.c'],
      extra: ['x.d'],
      different: [{ table: 'public.b', expected: 2, actual: 5 }],
    });
    expect(describeComparison(c)).toBe(
      'missing tables: s.c; unexpected tables: x.d; public.b: 5 rows, manifest says 2',
    );
    expect(compareTables([], []).ok).toBe(true);
  });
});

describe('catalog and retention', () => {
  const prefix = 'postgres/app/';
  const now = new Date('2026-06-01T00:00:00Z');
  const at = (daysAgo: number) => new Date(now.getTime() - daysAgo * DAY);
  const key = (daysAgo: number, id: string) => backupKey(prefix, at(daysAgo), id);
  const object = (k: string, modifiedDaysAgo = 0) => ({
    key: k,
    size: 100,
    lastModified: at(modifiedDaysAgo),
  });
  const good = (daysAgo: number, id: string) => [
    object(key(daysAgo, id), daysAgo),
    object(manifestKey(key(daysAgo, id)), daysAgo),
  ];

  const objects = [
    ...good(100, '000001'),
    ...good(90, '000002'),
    ...good(60, '000003'),
    ...good(40, '000004'),
    ...good(2, '000005'),
    object(key(50, '00000a'), 50), // incomplete and stale
    object(key(0, '00000b'), 0), // incomplete, maybe still running
    object(manifestKey(key(45, '00000c')), 45), // manifest without its object
    object(`${prefix}README.txt`, 400), // foreign: never touched
  ];

  it('groups objects into good, incomplete and orphan backups, newest first', () => {
    const entries = groupBackups(prefix, objects);
    expect(entries.map((e) => [e.key.slice(prefix.length + 17, prefix.length + 23), e.status])).toEqual([
      ['00000b', 'incomplete'],
      ['000005', 'good'],
      ['000004', 'good'],
      ['00000c', 'orphan-manifest'],
      ['00000a', 'incomplete'],
      ['000003', 'good'],
      ['000002', 'good'],
      ['000001', 'good'],
    ]);
  });

  it('deletes old good backups but always keeps the newest keep-min, and cleans stale leftovers', () => {
    const entries = groupBackups(prefix, objects);
    const plan = planRetention(entries, [], {
      now,
      retentionMs: 30 * DAY,
      keepMin: 3,
      staleMs: 6 * 3_600_000,
    });
    const deleted = plan.delete.map((d) => d.entry.key).sort();
    expect(deleted).toEqual(
      [key(100, '000001'), key(90, '000002'), key(50, '00000a'), key(45, '00000c')].sort(),
    );
    // 2, 40 and 60 days old are the newest three good ones: 40 and 60 survive although older than 30 days.
    expect(plan.keep.map((e) => e.key)).toEqual(
      expect.arrayContaining([key(2, '000005'), key(40, '000004'), key(60, '000003'), key(0, '00000b')]),
    );
  });

  it('never deletes a good backup when there are at most keep-min of them, whatever their age', () => {
    const only = [...good(400, '000001'), ...good(300, '000002')];
    const plan = planRetention(groupBackups(prefix, only), [], {
      now,
      retentionMs: DAY,
      keepMin: 2,
      staleMs: 0,
    });
    expect(plan.delete).toEqual([]);
  });

  it('protects the backup this run made and aborts only stale incomplete uploads', () => {
    const entries = groupBackups(prefix, [...good(100, '000001'), ...good(99, '000002')]);
    const plan = planRetention(
      entries,
      [
        { key: key(1, '0000aa'), uploadId: 'old', initiated: at(1) },
        { key: key(0, '0000bb'), uploadId: 'running', initiated: now },
      ],
      { now, retentionMs: 30 * DAY, keepMin: 0, staleMs: 3_600_000, current: key(99, '000002') },
    );
    expect(plan.delete.map((d) => d.entry.key)).toEqual([key(100, '000001')]);
    expect(plan.abort.map((u) => u.uploadId)).toEqual(['old']);
  });
});
