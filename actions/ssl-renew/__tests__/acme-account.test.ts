// scripts/acme-account: the key it writes is what the ssl-renew action accepts as `account-key`.
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../../scripts/acme-account');
const dir = mkdtempSync(join(tmpdir(), 'acme-account-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runScript = (args: string[]) => spawnSync(SCRIPT, args, { cwd: dir, encoding: 'utf8' });

describe('scripts/acme-account', () => {
  it('writes an ECDSA P-256 key with mode 0600, prints how to store it, never the key itself', () => {
    const result = runScript(['account.key']);
    expect(result.status).toBe(0);
    const pem = readFileSync(join(dir, 'account.key'), 'utf8');
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(statSync(join(dir, 'account.key')).mode & 0o777).toBe(0o600);
    expect(result.stdout).toContain('gh secret set ACME_ACCOUNT_KEY --env operations < account.key');
    expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');
  });

  it('never overwrites an existing key', () => {
    const before = readFileSync(join(dir, 'account.key'), 'utf8');
    const result = runScript(['account.key']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('already exists');
    expect(readFileSync(join(dir, 'account.key'), 'utf8')).toBe(before);
  });

  it('prints the key on a pipe with --stdout, messages on stderr', () => {
    const result = runScript(['--stdout']);
    expect(result.status).toBe(0);
    expect(createPrivateKey(result.stdout).type).toBe('private');
    expect(result.stderr).not.toContain('PRIVATE KEY');
  });
});
