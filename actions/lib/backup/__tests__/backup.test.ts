import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBackup, groupBackups } from '../catalog';
import {
  keyId,
  parsePublicKeys,
  parseSigningKey,
  publicKeyPem,
  signManifest,
  verifyManifest,
} from '../signing';
import { compareTables, describeComparison } from '../compare';
import { parseDatabaseUrl, sameDatabase, libpqEnv } from '../database-url';
import { MANIFEST_FORMAT, parseManifest, recipientFingerprint } from '../manifest';
import { backupKey, backupTime, defaultPrefix, manifestKey, sidecarKey } from '../naming';
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
    expect(libpqEnv(t, undefined, { PGPASSWORD: 'old', PATH: '/bin' })).toEqual({
      PGPASSWORD: 's@cret',
      PATH: '/bin',
    });
  });

  it('moves password and sslpassword query parameters to the environment, never the command line', () => {
    const t = parseDatabaseUrl(
      'postgres://app@db.internal/app_prod?sslmode=verify-full&password=q-canary-pw&sslpassword=key-canary-pass',
    )!;
    expect(t.password).toBe('q-canary-pw');
    expect(t.sslPassword).toBe('key-canary-pass');
    expect(t.urlWithoutPassword).toBe('postgres://app@db.internal/app_prod?sslmode=verify-full');
    const argv = dumpStages({
      urlWithoutPassword: t.urlWithoutPassword,
      snapshot: 's',
      compressionLevel: 1,
      recipients: [RECIPIENT],
      outputPath: '/f',
    }).flatMap((stage) => stage.argv);
    expect(argv.join(' ')).not.toMatch(/canary/);
    const dir = mkdtempSync(join(tmpdir(), 'libpq-'));
    try {
      const env = libpqEnv(t, dir, { PATH: '/bin' });
      expect(env).toMatchObject({ PGPASSWORD: 'q-canary-pw', PGSERVICE: 'backup', PATH: '/bin' });
      expect(readFileSync(env.PGSERVICEFILE!, 'utf8')).toBe('[backup]\nsslpassword=key-canary-pass\n');
      expect(statSync(env.PGSERVICEFILE!).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

  describe('verification status', () => {
    const signed = (daysAgo: number, id: string, record?: 'verified' | 'failed') => [
      ...good(daysAgo, id),
      object(sidecarKey(key(daysAgo, id), 'signature'), daysAgo),
      ...(record ? [object(sidecarKey(key(daysAgo, id), record), daysAgo)] : []),
    ];
    const warnings: string[] = [];
    const log = { warning: (m: string) => warnings.push(m) };
    const short = (k: string) => k.slice(prefix.length + 17, prefix.length + 23);

    it('reads verified / unverified / failed and the signature from the listing, sidecars before deletion', () => {
      const entries = groupBackups(prefix, [
        ...signed(1, '000001', 'failed'),
        ...signed(2, '000002'),
        ...signed(3, '000003', 'verified'),
        ...good(4, '000004'),
        object(sidecarKey(key(9, '000009'), 'verified'), 9), // record without its backup
      ]);
      expect(entries.map((e) => [short(e.key), e.status, e.verification, e.signed])).toEqual([
        ['000001', 'good', 'failed', true],
        ['000002', 'good', 'unverified', true],
        ['000003', 'good', 'verified', true],
        ['000004', 'good', 'unverified', false],
        ['000009', 'orphan-manifest', 'verified', false],
      ]);
      expect(entries[0]!.sidecars).toEqual([
        sidecarKey(key(1, '000001'), 'failed'),
        sidecarKey(key(1, '000001'), 'signature'),
        manifestKey(key(1, '000001')),
      ]);
    });

    it('chooses the newest verified, else the newest unverified with a warning, never a failed one', () => {
      warnings.length = 0;
      const mixed = groupBackups(prefix, [
        ...signed(1, '000001', 'failed'),
        ...signed(2, '000002'),
        ...signed(3, '000003', 'verified'),
      ]);
      expect(short(chooseBackup(mixed, 'here', log).key)).toBe('000003');
      expect(warnings).toEqual([]);
      const unverified = groupBackups(prefix, [...signed(1, '000001', 'failed'), ...signed(2, '000002')]);
      expect(short(chooseBackup(unverified, 'here', log).key)).toBe('000002');
      expect(warnings[0]).toMatch(/No verified backup under here: taking the newest unverified one/);
      const none = groupBackups(prefix, [...signed(1, '000001', 'failed'), ...good(2, '000002')]);
      expect(() => chooseBackup(none, 'here', log)).toThrow(
        /No good backup .* under here \(skipped: 1 failed verification, 1 without a signed manifest\)/,
      );
    });

    it('never protects a failed backup with keep-min: the newest good ones that did not fail are kept', () => {
      const entries = groupBackups(prefix, [
        ...signed(40, '000001', 'failed'),
        ...signed(50, '000002'),
        ...signed(60, '000003', 'verified'),
        ...signed(70, '000004'),
      ]);
      const plan = planRetention(entries, [], { now, retentionMs: 30 * DAY, keepMin: 2, staleMs: 0 });
      expect(plan.delete.map((d) => [short(d.entry.key), d.reason])).toEqual([
        ['000001', 'failed verification, older than the retention period'],
        ['000004', 'older than the retention period'],
      ]);
      expect(plan.keep.map((e) => short(e.key))).toEqual(['000002', '000003']);
    });
  });
});

describe('manifest signatures', () => {
  const pair = () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    return privateKey;
  };
  const key = pair();
  const other = pair();
  const publicOf = (k: ReturnType<typeof pair>) => parsePublicKeys(publicKeyPem(k))!;
  const text = '{"format":"contextai.db-backup/v1","rows_total":3}\n';

  it('verifies a signature of the exact bytes by a trusted key, and refuses anything else', () => {
    const sig = signManifest(text, key);
    expect(JSON.parse(sig)).toMatchObject({ algorithm: 'ed25519', key_id: keyId(key) });
    expect(() => verifyManifest(text, sig, publicOf(key), 'b')).not.toThrow();
    // Rotation: old and new public keys trusted at once.
    expect(() => verifyManifest(text, sig, [...publicOf(other), ...publicOf(key)], 'b')).not.toThrow();
    expect(() => verifyManifest(text.replace('3', '4'), sig, publicOf(key), 'b')).toThrow(
      /does not match its signature/,
    );
    expect(() => verifyManifest(text, undefined, publicOf(key), 'b')).toThrow(
      /The manifest of b has no signature/,
    );
    expect(() => verifyManifest(text, signManifest(text, other), publicOf(key), 'b')).toThrow(
      /none of the trusted public keys/,
    );
    // A forger who writes their own key id still needs the private key.
    const forged = JSON.stringify({ ...JSON.parse(signManifest(text, other)), key_id: keyId(key) });
    expect(() => verifyManifest(text, forged, publicOf(key), 'b')).toThrow(/does not match its signature/);
    expect(() => verifyManifest(text, 'garbage', publicOf(key), 'b')).toThrow(/not JSON/);
  });

  it('reads PEM keys and refuses other key types', () => {
    const pem = String(key.export({ type: 'pkcs8', format: 'pem' }));
    expect(keyId(parseSigningKey(pem)!)).toBe(keyId(key));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(parseSigningKey(String(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' })))).toBeUndefined();
    expect(parsePublicKeys(String(rsa.publicKey.export({ type: 'spki', format: 'pem' })))).toBeUndefined();
    expect(parsePublicKeys('nothing')).toBeUndefined();
    expect(parsePublicKeys(publicKeyPem(key) + publicKeyPem(other))).toHaveLength(2);
  });
});
