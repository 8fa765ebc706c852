import { describe, expect, it } from 'vitest';
import type { Core } from '../../lib/action/core';
import { generateKeyPairSync } from 'node:crypto';
import { booleanFlag, envName, flagOrEnv, parseFlags } from '../../../scripts/lib/backup/cli';
import { readInputs } from '../src/inputs';

const RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const SIGNING_KEY = String(
  generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
);

function fakeCore(values: Record<string, string>) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => values[name] ?? '',
    setSecret: (v: string) => secrets.push(v),
  } as unknown as Core;
  return { core, secrets };
}

describe('db-backup inputs', () => {
  it('reads defaults and masks the URL and its password', () => {
    const { core, secrets } = fakeCore({
      'database-url': 'postgres://app:pw-canary@db:5432/app',
      bucket: 'backups',
      recipients: `${RECIPIENT}\n${RECIPIENT}`,
      'signing-key': SIGNING_KEY,
    });
    const inputs = readInputs(core);
    expect(inputs).toMatchObject({
      prefix: 'postgres/app/',
      compressionLevel: 1,
      keepMin: 7,
      retentionMs: 30 * 86_400_000,
      staleMs: 6 * 3_600_000,
      forcePathStyle: false,
    });
    expect(inputs.recipients).toHaveLength(2);
    expect(secrets).toEqual(expect.arrayContaining(['postgres://app:pw-canary@db:5432/app', 'pw-canary']));
    expect(inputs.signingKey.asymmetricKeyType).toBe('ed25519');
    expect(secrets).toContain(SIGNING_KEY); // masked, and line by line
  });

  it('requires an Ed25519 signing key and never echoes a wrong one', () => {
    const rsa = String(
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    for (const [value, message] of [
      ['', /`signing-key` is required/],
      [rsa, /`signing-key` is not an Ed25519 private key in PEM/],
    ] as const)
      expect(() =>
        readInputs(
          fakeCore({
            'database-url': 'postgres://a:b@h/db',
            bucket: 'backups',
            recipients: RECIPIENT,
            'signing-key': value,
          }).core,
        ),
      ).toThrow(message);
  });

  it('lists every problem at once and never echoes a secret', () => {
    const { core } = fakeCore({
      'database-url': 'mysql://root:pw-canary@db/app',
      bucket: 'Bad_Bucket',
      recipients: 'ssh-ed25519 AAAA',
      'compression-level': '22',
      'keep-min': '0',
      verify: 'true',
      identity: 'AGE-SECRET-KEY-nope-canary',
      'slack-token': 'xoxb-canary',
    });
    let message = '';
    try {
      readInputs(core);
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'database-url',
      'bucket',
      'recipients',
      'compression-level',
      'keep-min',
      'verify-database-url',
      'identity',
      'slack-channel',
    ])
      expect(message).toContain(`\`${name}\``);
    expect(message).not.toMatch(/canary/);
  });

  it('refuses to verify into the database being backed up', () => {
    const { core } = fakeCore({
      'database-url': 'postgres://app:pw@localhost:5432/app',
      'verify-database-url': 'postgres://other:pw@127.0.0.1:5432/app',
      verify: 'true',
      identity: 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX',
      bucket: 'backups',
      recipients: RECIPIENT,
    });
    expect(() => readInputs(core)).toThrow(/`verify-database-url` names the database being backed up/);
  });
});

describe('age identity input', () => {
  const KEY = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX';
  const base = {
    'database-url': 'postgres://a:b@h/db',
    'verify-database-url': 'postgres://a:b@h/scratch',
    verify: 'true',
    bucket: 'backups',
    recipients: RECIPIENT,
    'signing-key': SIGNING_KEY,
  };

  it('accepts the key line or a whole age-keygen file', () => {
    expect(readInputs(fakeCore({ ...base, identity: KEY }).core).verify?.identity).toBe(KEY);
    const file = `# created: 2026-01-01T00:00:00Z\n# public key: ${RECIPIENT}\n${KEY}\n`;
    expect(readInputs(fakeCore({ ...base, identity: file }).core).verify?.identity).toBe(KEY);
  });

  it('refuses two keys or anything else', () => {
    expect(() => readInputs(fakeCore({ ...base, identity: `${KEY}\n${KEY}` }).core)).toThrow(
      /`identity` is not an age identity/,
    );
    expect(() => readInputs(fakeCore({ ...base, identity: RECIPIENT }).core)).toThrow(
      /`identity` is not an age identity/,
    );
  });
});

describe('operator command flags', () => {
  it('parses values, booleans and repeated flags; env stands in for a flag', () => {
    const flags = parseFlags(
      ['--bucket', 'b', '--prefix=p/', '--force-path-style', '--recipients', 'a', '--recipients', 'c'],
      ['bucket', 'prefix', 'recipients'],
      ['force-path-style'],
    );
    expect(Object.fromEntries(flags)).toEqual({
      bucket: 'b',
      prefix: 'p/',
      'force-path-style': 'true',
      recipients: 'a\nc',
    });
    expect(envName('database-url')).toBe('DB_BACKUP_DATABASE_URL');
    expect(flagOrEnv(flags, 'endpoint', { DB_BACKUP_ENDPOINT: 'http://s3' })).toBe('http://s3');
    expect(() => parseFlags(['--nope'], ['bucket'])).toThrow(/Unknown option --nope/);
    expect(() => parseFlags(['--bucket'], ['bucket'])).toThrow(/needs a value/);
    expect(() => parseFlags(['stray'], ['bucket'])).toThrow(/Unexpected argument/);
  });

  it('reads boolean flags by value: --clean=false is false, a non-boolean is an error', () => {
    const flags = parseFlags(
      ['--clean=false', '--no-owner', '--force-path-style=true'],
      [],
      ['clean', 'no-owner', 'force-path-style', 'verify'],
    );
    expect(booleanFlag(flags, 'clean', {})).toBe(false);
    expect(booleanFlag(flags, 'no-owner', {})).toBe(true);
    expect(booleanFlag(flags, 'force-path-style', {})).toBe(true);
    expect(booleanFlag(flags, 'verify', {})).toBe(false);
    expect(booleanFlag(flags, 'verify', { DB_BACKUP_VERIFY: 'false' })).toBe(false);
    expect(() => booleanFlag(parseFlags(['--clean=maybe'], [], ['clean']), 'clean', {})).toThrow(
      /--clean takes true or false, not `maybe`/,
    );
  });
});
