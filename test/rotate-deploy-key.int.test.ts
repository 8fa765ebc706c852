// scripts/rotate-deploy-key against two real OpenSSH servers (the stack's sshd setup: the deploy
// user, pinned host keys), with "deploys" logging in all along with whatever key the secret holds.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-action';
import { readStackEnv, startTestSshd, type TestSshd } from './ssh-server';

const env = readStackEnv();
const user = env.STACK_SSH_USER!;
const work = mkdtempSync(join(tmpdir(), 'rotate-key-'));
chmodSync(work, 0o755);
const hosts: { sshd: TestSshd; authorizedKeys: string }[] = [];
const oldKey = join(work, 'old_key');
const newKey = join(work, 'new_key');
const secret = join(work, 'secret'); // what the deploy workflows would read
const knownHosts = join(work, 'known_hosts');
const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }));

function login(key: string, port: number): boolean {
  try {
    execFileSync(
      'ssh',
      [
        '-q',
        '-p',
        String(port),
        '-i',
        key,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'ConnectTimeout=5',
        '-l',
        user,
        '127.0.0.1',
        'true',
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

function rotate(args: string[]) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(join(REPO_ROOT, 'scripts/rotate-deploy-key'), [
      '--hosts',
      hosts.map((h) => `127.0.0.1:${h.sshd.port}`).join(','),
      '--user',
      user,
      '--known-hosts',
      knownHosts,
      '--new-key',
      newKey,
      ...args,
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Where every host keeps its authorized_keys, as on real hosts (one path, one file per host). */
const AUTHORIZED_KEYS = join(work, 'authorized_keys');

beforeAll(async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'old', '-f', oldKey]);
  writeFileSync(secret, readFileSync(oldKey), { mode: 0o600 });
  writeFileSync(AUTHORIZED_KEYS, ''); // the mount point; each host binds its own file over it
  for (const name of ['app1', 'app2']) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, readFileSync(`${oldKey}.pub`), { mode: 0o600 });
    chownSync(authorizedKeys, uid, uid);
    // Each sshd (and the sessions it starts) sees its own host's file at the common path.
    const sshd = await startTestSshd({
      dir,
      user,
      authorizedKeys: AUTHORIZED_KEYS,
      wrap: (argv) => [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        'mount --bind "$1" "$2" && shift 2 && exec "$@"',
        'sh',
        authorizedKeys,
        AUTHORIZED_KEYS,
        ...argv,
      ],
    });
    hosts.push({ sshd, authorizedKeys });
  }
  writeFileSync(knownHosts, hosts.map((h) => h.sshd.knownHostsLine).join('\n') + '\n');
});

afterAll(async () => {
  for (const h of hosts) await h.sshd.stop();
  rmSync(work, { recursive: true, force: true });
});

const keyLine = (file: string) => readFileSync(file, 'utf8').split(' ').slice(0, 2).join(' ');
const installed = (h: { authorizedKeys: string }) =>
  readFileSync(h.authorizedKeys, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(0, 2).join(' '));

describe('scripts/rotate-deploy-key', () => {
  it('adds, verifies, updates the secret, retires the old key: every deploy in between logs in', async () => {
    // Deploys all along: each logs in to both hosts with the key the secret holds at that moment.
    const deploys = { ok: 0, failed: 0 };
    let rotating = true;
    const deployLoop = (async () => {
      for (let n = 0; rotating; n++) {
        const key = join(work, `deploy-${n}`);
        writeFileSync(key, readFileSync(secret), { mode: 0o600 });
        for (const h of hosts)
          if (login(key, h.sshd.port)) deploys.ok++;
          else deploys.failed++;
        rmSync(key);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const result = await rotate([
      '--key',
      oldKey,
      '--authorized-keys',
      AUTHORIZED_KEYS,
      '--update-secret',
      `cat > '${secret}'`,
    ]);
    rotating = false;
    await deployLoop;
    expect(result.code, result.out).toBe(0);
    expect(result.out).toMatch(/Done: the deploy key is rotated on 2 host\(s\)/);
    expect(result.out).toContain('the old key is refused everywhere');
    expect(deploys.failed).toBe(0);
    expect(deploys.ok).toBeGreaterThan(0);
    expect(readFileSync(secret, 'utf8')).toBe(readFileSync(newKey, 'utf8'));
    for (const h of hosts) {
      expect(installed(h)).toEqual([keyLine(`${newKey}.pub`)]);
      expect(login(newKey, h.sshd.port)).toBe(true);
      expect(login(oldKey, h.sshd.port)).toBe(false);
    }
  });

  it('stops before touching the secret or any key when a host cannot take the new key', async () => {
    const before = hosts.map(installed);
    const secretBefore = readFileSync(secret, 'utf8');
    const result = await rotate([
      '--key',
      oldKey, // no longer accepted anywhere: the add step fails on the first host
      '--authorized-keys',
      AUTHORIZED_KEYS,
      '--update-secret',
      `cat > '${secret}'`,
    ]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/could not add the key on 127\.0\.0\.1:\d+ \(nothing removed anywhere\)/);
    expect(readFileSync(secret, 'utf8')).toBe(secretBefore);
    expect(hosts.map(installed)).toEqual(before);
  });
});
