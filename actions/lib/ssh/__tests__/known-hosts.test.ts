import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  parseHost,
  parseKnownHosts,
  pinnedKeyTypes,
  verifyHostKey,
} from '../known-hosts';

const ed = utils.generateKeyPairSync('ed25519');
const other = utils.generateKeyPairSync('ed25519');
const rsa = utils.generateKeyPairSync('rsa', { bits: 2048 });
const blob = (publicLine: string) => Buffer.from(publicLine.split(' ')[1]!, 'base64');
const keyPart = (publicLine: string) => publicLine.split(' ').slice(0, 2).join(' ');

describe('parseHost', () => {
  it.each([
    ['example.com', { host: 'example.com', port: 22 }],
    ['Web-1.Example.com:2222', { host: 'web-1.example.com', port: 2222 }],
    ['10.0.0.5', { host: '10.0.0.5', port: 22 }],
    ['127.0.0.1:2222', { host: '127.0.0.1', port: 2222 }],
    ['[::1]:2222', { host: '::1', port: 2222 }],
    ['[fe80::1]', { host: 'fe80::1', port: 22 }],
    ['::1', { host: '::1', port: 22 }],
    ['  host-a  ', { host: 'host-a', port: 22 }],
  ])('parses %j', (entry, expected) => {
    expect(parseHost(entry)).toEqual(expected);
  });

  it.each([
    'user@host',
    'host;reboot',
    'host$(id)',
    'host name',
    'host\nother',
    '/etc/passwd',
    '../host',
    'host:0',
    'host:65536',
    'host:22x',
    'host:',
    '10.0.0.1:22:33',
    '-oProxyCommand=x',
    '',
  ])('rejects %j with a clear message', (entry) => {
    expect(() => parseHost(entry)).toThrow(/^host .* is not valid/);
  });
});

describe('parseKnownHosts', () => {
  it('reads plain, bracketed, comma lists, markers and comments', () => {
    const text = [
      '# pinned keys',
      '',
      `web1.example.com,10.0.0.1 ${ed.public}`,
      `[127.0.0.1]:2222 ${keyPart(rsa.public)}`,
      `@revoked * ${keyPart(other.public)}`,
      `@cert-authority *.example.com ${keyPart(other.public)}`,
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({
      patterns: ['web1.example.com', '10.0.0.1'],
      keyType: 'ssh-ed25519',
      line: 3,
    });
    expect(entries[0]!.key.equals(blob(ed.public))).toBe(true);
    expect(entries[1]).toMatchObject({ patterns: ['[127.0.0.1]:2222'], keyType: 'ssh-rsa' });
    expect(entries[2]!.marker).toBe('revoked');
    expect(entries[3]!.marker).toBe('cert-authority');
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-'));
    try {
      const file = join(dir, 'known_hosts');
      writeFileSync(
        file,
        `[127.0.0.1]:2222 ${keyPart(ed.public)}\nweb1.example.com ${keyPart(rsa.public)}\n`,
      );
      execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
      const entries = parseKnownHosts(readFileSync(file, 'utf8'));
      expect(entries.every((e) => e.hashed && e.patterns.length === 0)).toBe(true);
      expect(verifyHostKey(entries, { host: '127.0.0.1', port: 2222 }, blob(ed.public))).toEqual({
        trusted: true,
      });
      expect(verifyHostKey(entries, { host: '127.0.0.1', port: 22 }, blob(ed.public)).trusted).toBe(false);
      expect(verifyHostKey(entries, { host: 'web1.example.com', port: 22 }, blob(rsa.public))).toEqual({
        trusted: true,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a key line without a key', 'host ssh-ed25519'],
    ['an unknown marker', `@trusted host ${keyPart(ed.public)}`],
    ['a key that is not base64', 'host ssh-ed25519 not*base64'],
    ['a key type that does not match the blob', `host ssh-rsa ${keyPart(ed.public).split(' ')[1]}`],
    ['a malformed hash', `|1|abc ${keyPart(ed.public)}`],
  ])('rejects %s, naming the line', (_, line) => {
    expect(() => parseKnownHosts(`# first\n${line}`)).toThrow(/known-hosts line 2 is not valid/);
  });

  it('never echoes key material in its errors', () => {
    const bad = `host ssh-rsa ${keyPart(ed.public).split(' ')[1]}`;
    expect(() => parseKnownHosts(bad)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('AAAA') }),
    );
  });
});

describe('verifyHostKey', () => {
  const entries = parseKnownHosts(
    [
      `*.example.com,!evil.example.com ${keyPart(ed.public)}`,
      `[127.0.0.1]:2222 ${keyPart(ed.public)}`,
      `@revoked [127.0.0.1]:2222 ${keyPart(other.public)}`,
    ].join('\n'),
  );

  it('trusts the pinned key for a matching host', () => {
    expect(verifyHostKey(entries, { host: 'web1.example.com', port: 22 }, blob(ed.public))).toEqual({
      trusted: true,
    });
    expect(verifyHostKey(entries, { host: '127.0.0.1', port: 2222 }, blob(ed.public))).toEqual({
      trusted: true,
    });
  });

  it('refuses a different key, an unknown host, a negated host and a revoked key', () => {
    expect(verifyHostKey(entries, { host: 'web1.example.com', port: 22 }, blob(rsa.public))).toEqual({
      trusted: false,
      reason: 'mismatch',
    });
    expect(verifyHostKey(entries, { host: 'other.org', port: 22 }, blob(ed.public))).toMatchObject({
      reason: 'unknown-host',
    });
    expect(verifyHostKey(entries, { host: 'evil.example.com', port: 22 }, blob(ed.public))).toMatchObject({
      reason: 'unknown-host',
    });
    expect(verifyHostKey(entries, { host: '127.0.0.1', port: 2222 }, blob(other.public))).toMatchObject({
      reason: 'revoked',
    });
  });

  it('does not let a port-22 entry pin another port', () => {
    expect(entryMatches(entries[0]!, { host: 'web1.example.com', port: 2200 })).toBe(false);
  });

  it('lists the pinned key types for a host, ignoring revoked entries', () => {
    expect(pinnedKeyTypes(entries, { host: '127.0.0.1', port: 2222 })).toEqual(['ssh-ed25519']);
  });

  it('computes OpenSSH SHA256 fingerprints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-'));
    try {
      writeFileSync(join(dir, 'key.pub'), `${ed.public}\n`);
      const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'key.pub')], { encoding: 'utf8' }).split(
        ' ',
      )[1];
      expect(fingerprint(blob(ed.public))).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
