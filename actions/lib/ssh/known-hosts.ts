import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { RULES } from '../action/inputs';

/** Where to connect: parsed from `host`, `host:port`, `[v6]:port`. */
export interface HostTarget {
  host: string;
  port: number;
}

/** One key line of an OpenSSH known_hosts file. */
export interface KnownHost {
  /** `revoked`: this key must be refused; `cert-authority` entries are kept but never trusted (no certificate support). */
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns (`example.com`, `[10.0.0.1]:2222`, `*.example.com`, `!bad.example.com`); empty for a hashed entry. */
  patterns: string[];
  /** A hashed entry (`|1|salt|hash`): HMAC-SHA1 of the host name under the salt. */
  hashed?: { salt: Buffer; hash: Buffer };
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ... */
  keyType: string;
  /** The public key blob (wire format), as ssh2 hands it to `hostVerifier`. */
  key: Buffer;
  /** 1-based line number, for messages. */
  line: number;
}

const DEFAULT_SSH_PORT = 22;

/**
 * Parses one entry of a `hosts` list. Accepts `host`, `host:port`, `[host]:port`,
 * `[v6]`, `[v6]:port` and a bare IPv6 address. Anything else (a user, a path, spaces,
 * shell metacharacters) throws an Error that names the entry, so nothing ever reaches
 * a connection or a shell with it.
 */
export function parseHost(entry: string): HostTarget {
  const text = entry.trim();
  const shown = JSON.stringify(entry);
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(text)) {
    throw new Error(
      `host ${shown} is not valid: expected \`host\`, \`host:port\` or \`[v6]:port\` (no user, path, spaces or shell characters)`,
    );
  }
  const [host, portText] = splitHostPort(text, shown);
  if (!(RULES.hostname.pattern.test(host) || isIP(host) !== 0)) {
    throw new Error(`host ${shown} is not valid: \`${host}\` is not a host name or IP address`);
  }
  const port = portText === undefined ? DEFAULT_SSH_PORT : Number(portText);
  if ((portText !== undefined && !/^\d{1,5}$/.test(portText)) || port < 1 || port > 65_535) {
    throw new Error(`host ${shown} is not valid: the port must be a number from 1 to 65535`);
  }
  return { host: host.toLowerCase(), port };
}

function splitHostPort(text: string, shown: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  if (isIP(text) === 6) return [text, undefined];
  const parts = text.split(':');
  if (parts.length > 2)
    throw new Error(`host ${shown} is not valid: write an IPv6 address with a port as \`[addr]:port\``);
  return [parts[0]!, parts[1]];
}

/** `host` or `host:port` (IPv6 in brackets), for messages. */
export function formatHost(target: HostTarget): string {
  const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  return target.port === DEFAULT_SSH_PORT ? host : `${host}:${target.port}`;
}

/**
 * Parses OpenSSH known_hosts text: plain, `[host]:port`, comma lists, wildcards and
 * negations, hashed `|1|` entries, `@revoked` and `@cert-authority` markers, comments
 * and blank lines. A malformed line throws (a pinning list that half-parses is worse
 * than none); the message names the line number, never a key.
 */
export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    entries.push(parseKnownHostLine(line, index + 1));
  });
  return entries;
}

function parseKnownHostLine(line: string, lineNumber: number): KnownHost {
  const fields = line.split(/\s+/);
  const bad = (why: string) => new Error(`known-hosts line ${lineNumber} is not valid: ${why}`);
  let marker: KnownHost['marker'];
  if (fields[0]?.startsWith('@')) {
    const word = fields.shift();
    if (word === '@revoked') marker = 'revoked';
    else if (word === '@cert-authority') marker = 'cert-authority';
    else throw bad(`unknown marker ${JSON.stringify(word)} (expected @revoked or @cert-authority)`);
  }
  const [hostsField, keyType, keyBase64] = fields;
  if (!hostsField || !keyType || !keyBase64) throw bad('expected `hosts key-type base64-key [comment]`');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) throw bad('the key is not base64');
  const key = Buffer.from(keyBase64, 'base64');
  if (keyBlobType(key) !== keyType) throw bad(`the key blob is not of type ${keyType}`);
  const entry: KnownHost = { patterns: [], keyType, key, line: lineNumber, ...(marker ? { marker } : {}) };
  if (hostsField.startsWith('|')) entry.hashed = parseHashedHost(hostsField, bad);
  else entry.patterns = hostsField.split(',').filter(Boolean);
  if (!entry.hashed && entry.patterns.length === 0) throw bad('no host pattern');
  return entry;
}

function parseHashedHost(field: string, bad: (why: string) => Error): { salt: Buffer; hash: Buffer } {
  const match = /^\|1\|([A-Za-z0-9+/]+=*)\|([A-Za-z0-9+/]+=*)$/.exec(field);
  if (!match) throw bad('a hashed host must look like `|1|salt|hash`');
  const salt = Buffer.from(match[1]!, 'base64');
  const hash = Buffer.from(match[2]!, 'base64');
  if (salt.length !== 20 || hash.length !== 20) throw bad('a hashed host must have a 20-byte salt and hash');
  return { salt, hash };
}

/** The type name written at the start of an SSH public key blob. */
export function keyBlobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** OpenSSH's `SHA256:...` fingerprint of a public key blob. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name OpenSSH looks up for a target: `host`, or `[host]:port` off port 22. */
function lookupName(target: HostTarget): string {
  return target.port === DEFAULT_SSH_PORT ? target.host : `[${target.host}]:${target.port}`;
}

/** Whether a known_hosts entry applies to the target (negated patterns win, as in OpenSSH). */
export function entryMatches(entry: KnownHost, target: HostTarget): boolean {
  const name = lookupName(target);
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return timingSafeEqual(digest, entry.hashed.hash);
  }
  let matched = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    if (!globMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatch(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(name.toLowerCase());
}

export type HostKeyVerdict =
  { trusted: true } | { trusted: false; reason: 'revoked' | 'unknown-host' | 'mismatch' };

/** Decides whether the key a host offered is one of the keys pinned for it (and not revoked). */
export function verifyHostKey(knownHosts: KnownHost[], target: HostTarget, offered: Buffer): HostKeyVerdict {
  const applicable = knownHosts.filter((entry) => entryMatches(entry, target));
  if (applicable.some((entry) => entry.marker === 'revoked' && entry.key.equals(offered))) {
    return { trusted: false, reason: 'revoked' };
  }
  const pinned = applicable.filter((entry) => entry.marker === undefined);
  if (pinned.length === 0) return { trusted: false, reason: 'unknown-host' };
  return pinned.some((entry) => entry.key.equals(offered))
    ? { trusted: true }
    : { trusted: false, reason: 'mismatch' };
}

/** Key types pinned for a target (trusted entries only), to offer the server only algorithms we can verify. */
export function pinnedKeyTypes(knownHosts: KnownHost[], target: HostTarget): string[] {
  const types = knownHosts
    .filter((entry) => entry.marker === undefined && entryMatches(entry, target))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}
