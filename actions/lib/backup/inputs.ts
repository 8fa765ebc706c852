// The backup inputs, read the same way by the db-backup and restore-drill actions and by
// scripts/backup-database.
import type { KeyObject } from 'node:crypto';
import type { Core } from '../action/core';
import type { Inputs } from '../action/inputs';
import { maskSecret } from '../action/secrets';
import { readSlackTarget } from '../alert/inputs';
import type { SlackTarget } from '../alert/slack';
import { parseDatabaseUrl, sameDatabase, type DatabaseTarget } from './database-url';
import { defaultPrefix } from './naming';
import { AGE_IDENTITY, AGE_RECIPIENT } from './plan';
import { parsePublicKeys, parseSigningKey } from './signing';

export interface StorageInputs {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
}

export interface BackupInputs extends StorageInputs {
  source: DatabaseTarget;
  recipients: string[];
  /** Signs each manifest; its public half verifies the verification restore. */
  signingKey: KeyObject;
  compressionLevel: number;
  retentionMs: number;
  keepMin: number;
  staleMs: number;
  verify?: { target: DatabaseTarget; identity: string };
  slack?: SlackTarget;
}

const DAY_MS = 86_400_000;
const BUCKET = {
  pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  expected: 'an S3 bucket name (lower-case letters, digits, `.`, `-`)',
};
const PREFIX = {
  pattern: /^(?!\/)[A-Za-z0-9!_.*'()/-]{0,512}$/,
  expected: 'a key prefix such as `postgres/app/` (no leading `/`)',
};
const ENDPOINT = {
  pattern: /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
  expected: 'an http(s) URL such as `https://s3.example.com`',
};
const REGION = { pattern: /^[a-z0-9-]{2,32}$/, expected: 'a region such as `eu-west-1`' };

/** A secret database URL: masked (and its password too), parsed, never echoed in a message. */
export function databaseUrl(
  inputs: Inputs,
  core: Pick<Core, 'setSecret'>,
  name: string,
  required: boolean,
): DatabaseTarget | undefined {
  const text = inputs.secret(name, { required });
  if (!text) return undefined;
  const target = parseDatabaseUrl(text);
  if (!target) {
    inputs.problem(name, 'is not a PostgreSQL URL: expected `postgres://user:password@host:port/database`');
    return undefined;
  }
  maskSecret(core, target.password);
  maskSecret(core, target.sslPassword);
  return target;
}

const SIGNING_KEY_FIX =
  'is not an Ed25519 private key in PEM (`openssl genpkey -algorithm ed25519`, the `-----BEGIN PRIVATE KEY-----` block)';

/** The secret Ed25519 key that signs manifests (PEM, PKCS#8). Never echoed. */
export function signingKey(inputs: Inputs, name: string): KeyObject | undefined {
  const text = inputs.secret(name, { required: true });
  if (!text) return undefined;
  const key = parseSigningKey(text);
  if (!key) inputs.problem(name, SIGNING_KEY_FIX);
  return key;
}

/** The public Ed25519 key(s) manifests must be signed by (PEM blocks; several during a key rotation). */
export function manifestPublicKeys(inputs: Inputs, name: string): KeyObject[] {
  const text = inputs.raw(name);
  if (!text) {
    inputs.problem(
      name,
      'is required: the public key(s) of the backup signing key (`-----BEGIN PUBLIC KEY-----` PEM)',
    );
    return [];
  }
  const keys = parsePublicKeys(text);
  if (!keys)
    inputs.problem(
      name,
      'is not one or more Ed25519 public keys in PEM (`openssl pkey -in signing.pem -pubout`)',
    );
  return keys ?? [];
}

/**
 * A secret age identity: the `AGE-SECRET-KEY-1…` line, or a whole age-keygen file (its `#`
 * comment lines are skipped). Checked for shape without ever printing it.
 */
export function ageIdentity(inputs: Inputs, name: string, required: boolean): string | undefined {
  const text = inputs.secret(name, { required });
  if (!text) return undefined;
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  if (lines.length !== 1 || !AGE_IDENTITY.test(lines[0]!)) {
    inputs.problem(name, 'is not an age identity (one `AGE-SECRET-KEY-1…` line, or an age-keygen file)');
    return undefined;
  }
  return lines[0];
}

/** Where backups are: the bucket, the prefix (default `postgres/<database>/`) and the store's options. */
export function storageInputs(inputs: Inputs, database: string | undefined): StorageInputs {
  const prefix = inputs.optional('prefix', PREFIX) ?? (database ? defaultPrefix(database) : '');
  return {
    bucket: inputs.required('bucket', BUCKET),
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    endpoint: inputs.optional('endpoint', ENDPOINT),
    region: inputs.optional('region', REGION),
    forcePathStyle: inputs.boolean('force-path-style'),
  };
}

/** Every input of a backup run (db-backup's action.yml); call `inputs.done()` after. */
export function readBackupInputs(inputs: Inputs, core: Pick<Core, 'setSecret'>): BackupInputs {
  const source = databaseUrl(inputs, core, 'database-url', true);
  const verify = inputs.boolean('verify');
  const verifyTarget = databaseUrl(inputs, core, 'verify-database-url', verify);
  const identity = ageIdentity(inputs, 'identity', verify);
  if (verify && source && verifyTarget && sameDatabase(source, verifyTarget))
    inputs.problem(
      'verify-database-url',
      'names the database being backed up: verify replaces the scratch database, so give it another one',
    );
  return {
    source: source!,
    ...storageInputs(inputs, source?.database),
    signingKey: signingKey(inputs, 'signing-key')!,
    recipients: inputs.list('recipients', {
      required: true,
      pattern: AGE_RECIPIENT,
      expected: 'an age X25519 public key (`age1…`)',
      separator: /[\n,\s]+/,
    }),
    compressionLevel: inputs.integer('compression-level', { min: 1, max: 19 }),
    retentionMs: inputs.integer('retention-days', { min: 1, max: 36_500 }) * DAY_MS,
    keepMin: inputs.integer('keep-min', { min: 1, max: 10_000 }),
    staleMs: inputs.duration('stale-after', { minMs: 0 }),
    verify: verify && verifyTarget && identity ? { target: verifyTarget, identity } : undefined,
    slack: readSlackTarget(inputs),
  };
}

/** Every secret the run knows, for redacting text that came from outside (stderr, driver errors). */
export function knownSecrets(
  values: (string | undefined)[],
  ...targets: (DatabaseTarget | undefined)[]
): string[] {
  for (const t of targets) values.push(t?.url, t?.password, t?.sslPassword);
  const env = process.env;
  return [...values, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.PGPASSWORD].filter(
    (v): v is string => !!v,
  );
}
