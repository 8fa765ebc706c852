// The backup and restore scripts run by a real POSIX shell on a temp dir, as they run on a host.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupArgv, certPaths, restoreArgv, tokenPath, type CertPaths } from '../paths';

let dir: string;
let paths: CertPaths;
const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1));
const read = (path: string) => readFileSync(path, 'utf8');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'certdir-'));
  paths = certPaths(dir, '42-abc');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('certPaths', () => {
  it('keeps every file in the cert dir (rename stays atomic) and hides staged files', () => {
    expect(certPaths('/etc/ssl/contextai', '7')).toEqual({
      live: { chain: '/etc/ssl/contextai/fullchain.pem', key: '/etc/ssl/contextai/privkey.pem' },
      staged: {
        chain: '/etc/ssl/contextai/.fullchain.pem.ssl-renew-7',
        key: '/etc/ssl/contextai/.privkey.pem.ssl-renew-7',
      },
      previous: {
        chain: '/etc/ssl/contextai/fullchain.pem.previous',
        key: '/etc/ssl/contextai/privkey.pem.previous',
      },
    });
    expect(tokenPath('/var/www/acme', 'tok_en-1')).toBe('/var/www/acme/tok_en-1');
  });
});

describe('backup then restore', () => {
  it('puts the old pair back byte for byte, key mode kept', () => {
    writeFileSync(paths.live.key, 'old key', { mode: 0o600 });
    writeFileSync(paths.live.chain, 'old chain');
    sh(backupArgv(paths));
    writeFileSync(paths.staged.key, 'new key', { mode: 0o600 });
    writeFileSync(paths.staged.chain, 'new chain');
    execFileSync('mv', [paths.staged.key, paths.live.key]);
    execFileSync('mv', [paths.staged.chain, paths.live.chain]);
    expect(read(paths.previous.key)).toBe('old key'); // the hard link kept the old inode
    sh(restoreArgv(paths));
    expect(read(paths.live.key)).toBe('old key');
    expect(read(paths.live.chain)).toBe('old chain');
    expect(statSync(paths.live.key).mode & 0o777).toBe(0o600);
    expect(existsSync(paths.previous.key)).toBe(false);
  });

  it('restores "no certificate" when there was none, and drops a stale previous pair', () => {
    writeFileSync(paths.previous.chain, 'stale from an older run');
    sh(backupArgv(paths));
    expect(existsSync(paths.previous.chain)).toBe(false);
    writeFileSync(paths.live.key, 'new key');
    writeFileSync(paths.live.chain, 'new chain');
    sh(restoreArgv(paths));
    expect(existsSync(paths.live.key)).toBe(false);
    expect(existsSync(paths.live.chain)).toBe(false);
  });

  it('treats file names with spaces and quotes as data', () => {
    const odd = certPaths(join(dir, `it's a "dir"`), 'x');
    execFileSync('mkdir', [join(dir, `it's a "dir"`)]);
    writeFileSync(odd.live.chain, 'chain');
    sh(backupArgv(odd));
    expect(read(odd.previous.chain)).toBe('chain');
  });
});
