import type { Core } from '../../common/src/core';
import { Inputs } from '../../common/src/inputs';
import { maskSecret } from '../../common/src/secrets';
import { parseDatabaseUrl, sameDatabase, type DatabaseTarget } from './database-url';
import { defaultPrefix } from './naming';
import { AGE_IDENTITY, AGE_RECIPIENT } from './plan';

export interface StorageInputs {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
}

export interface SlackInputs {
  token: string;
  channel: string;
}

export interface BackupInputs extends StorageInputs {
  source: DatabaseTarget;
  recipients: string[];
  compressionLevel: number;
  retentionMs: number;
  keepMin: number;
  staleMs: number;
  verify?: { target: DatabaseTarget; identity: string };
  slack?: SlackInputs;
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
const CHANNEL = {
  pattern: /^[#@]?[A-Za-z0-9._-]{1,80}$/,
  expected: 'a channel name or ID such as `#ops` or `C0123456789`',
};

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
  return target;
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

export function storageInputs(inputs: Inputs, database: string | undefined): StorageInputs {
  const prefix = inputs.optional('prefix', undefined, PREFIX) ?? (database ? defaultPrefix(database) : '');
  return {
    bucket: inputs.required('bucket', BUCKET),
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    endpoint: inputs.optional('endpoint', undefined, ENDPOINT),
    region: inputs.optional('region', undefined, REGION),
    forcePathStyle: inputs.boolean('force-path-style', false),
  };
}

export function slackInputs(inputs: Inputs): SlackInputs | undefined {
  const token = inputs.secret('slack-token');
  const channel = inputs.optional('slack-channel', undefined, CHANNEL);
  if (token && !channel) inputs.problem('slack-channel', 'is required when `slack-token` is set');
  return token && channel ? { token, channel } : undefined;
}

export function readInputs(core: Core): BackupInputs {
  const inputs = new Inputs(core);
  const source = databaseUrl(inputs, core, 'database-url', true);
  const verify = inputs.boolean('verify', false);
  const verifyTarget = databaseUrl(inputs, core, 'verify-database-url', verify);
  const identity = ageIdentity(inputs, 'identity', verify);
  if (verify && source && verifyTarget && sameDatabase(source, verifyTarget))
    inputs.problem(
      'verify-database-url',
      'names the database being backed up: verify replaces the scratch database, so give it another one',
    );
  const result: BackupInputs = {
    source: source!,
    ...storageInputs(inputs, source?.database),
    recipients: inputs.list('recipients', {
      required: true,
      pattern: AGE_RECIPIENT,
      expected: 'an age X25519 public key (`age1…`)',
      separator: /[\n,\s]+/,
    }),
    compressionLevel: inputs.integer('compression-level', 1, { min: 1, max: 19 }),
    retentionMs: inputs.integer('retention-days', 30, { min: 1, max: 36_500 }) * DAY_MS,
    keepMin: inputs.integer('keep-min', 7, { min: 1, max: 10_000 }),
    staleMs: inputs.duration('stale-after', '6h', { minMs: 0 }),
    verify: verify && verifyTarget && identity ? { target: verifyTarget, identity } : undefined,
    slack: slackInputs(inputs),
  };
  inputs.done();
  return result;
}

/** Every secret the run knows, for redacting text that came from outside (stderr, driver errors). */
export function knownSecrets(values: (string | undefined)[]): string[] {
  const env = process.env;
  return [...values, env.AWS_SECRET_ACCESS_KEY, env.AWS_SESSION_TOKEN, env.PGPASSWORD].filter(
    (v): v is string => !!v,
  );
}
