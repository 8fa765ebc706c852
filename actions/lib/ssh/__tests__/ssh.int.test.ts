// The SSH transport against real OpenSSH servers: the stack's sshd (STACK_SSH_*) and a private
// one started here, whose log shows whether a client ever authenticated.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../system/command-error';
import { HostKeyError } from '../errors';
import { SftpError } from '../files';
import { parseKnownHosts } from '../known-hosts';
import { SshSession, type ConnectOptions } from '../session';
import { readStackEnv, startTestSshd, type TestSshd } from '../../../../test/ssh-server';

const stack = readStackEnv();
const target = { host: stack.STACK_SSH_HOST!, port: Number(stack.STACK_SSH_PORT) };
const privateKey = readFileSync(stack.STACK_SSH_KEY!, 'utf8');
const knownHosts = parseKnownHosts(readFileSync(stack.STACK_SSH_KNOWN_HOSTS!, 'utf8'));
const base: ConnectOptions = { target, username: stack.STACK_SSH_USER!, privateKey, knownHosts };
const authorizedKeys = join(stack.STACK_DIR!, 'ssh', 'authorized_keys');
const strangerKey = utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');

const statOf = async (session: SshSession, path: string, format = '%a %U') =>
  (await session.exec(['stat', '-c', format, path])).stdout.trim();

/** The file operations, as the deploy and ssl-renew actions use them (env file, upstream.conf, keys). */
async function exerciseFiles(session: SshSession, remoteDir: string, via: 'sftp' | 'exec'): Promise<void> {
  expect(await session.filesVia()).toBe(via);
  await session.exec(['mkdir', '-p', remoteDir]);
  const user = stack.STACK_SSH_USER;

  // a new private file, and an existing world-writable one made private before the secret lands
  const key = `${remoteDir}/privkey.pem`;
  await session.writeFile(key, 'KEY\n', { mode: 0o600 });
  expect(await statOf(session, key)).toBe(`600 ${user}`);
  const secret = `${remoteDir}/app.env`;
  await session.exec(['sh', '-c', 'umask 000; echo old > "$1"', 'sh', secret]);
  await session.writeFile(secret, 'TOKEN=abc\n', { mode: 0o600 });
  expect(await statOf(session, secret)).toBe(`600 ${user}`);
  expect((await session.readFile(secret))?.toString()).toBe('TOKEN=abc\n');
  // exactly the mode asked for, not narrowed by the server's umask (022)
  await session.writeFile(`${remoteDir}/shared`, '', { mode: 0o664 });
  expect(await statOf(session, `${remoteDir}/shared`)).toBe(`664 ${user}`);
  expect((await session.readFile(`${remoteDir}/shared`))?.length).toBe(0);

  // larger than one SFTP packet / pipe buffer; the default mode; an atomic replace (rename(2): the
  // target is the source's inode, not a copy)
  const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 256));
  await session.writeFile(`${remoteDir}/big.tmp`, big);
  expect(await statOf(session, `${remoteDir}/big.tmp`)).toBe(`644 ${user}`);
  const inode = await statOf(session, `${remoteDir}/big.tmp`, '%i');
  await session.rename(`${remoteDir}/big.tmp`, secret);
  expect(await statOf(session, secret, '%i')).toBe(inode);
  expect((await session.readFile(secret))?.equals(big)).toBe(true);
  expect(await session.readFile(`${remoteDir}/big.tmp`)).toBeUndefined();
  await session.rename(key, `${remoteDir}/moved.pem`); // to a new name
  expect((await session.readFile(`${remoteDir}/moved.pem`))?.toString()).toBe('KEY\n');

  await session.remove(secret);
  await session.remove(secret); // missing: not an error
  expect(await session.readFile(secret)).toBeUndefined();
  await expect(session.writeFile('/proc/version', 'x')).rejects.toThrow(/\/proc\/version/);
  await session.exec(['rm', '-rf', remoteDir]);
}

function hostFingerprint(pubFile: string): string {
  return execFileSync('ssh-keygen', ['-lf', pubFile], { encoding: 'utf8' }).split(' ')[1]!;
}

describe('SshSession against the stack sshd', () => {
  let session: SshSession;
  const remoteDir = `/tmp/ssh-int-${process.pid}`;

  beforeAll(async () => {
    session = await SshSession.connect(base);
    await session.exec(['mkdir', '-p', remoteDir]);
  });
  afterAll(async () => {
    await session?.exec(['rm', '-rf', remoteDir]);
    session?.close();
  });

  it('runs argv exactly as given, as the deploy user', async () => {
    const args = ['a b', "it's", '$(id)', '`id`', 'x;y', 'line1\nline2', '*', ''];
    const result = await session.exec(['printf', '%s\\0', ...args]);
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(args);
    expect((await session.exec(['id', '-un'])).stdout.trim()).toBe(stack.STACK_SSH_USER);
  });

  it('fails on a non-zero exit with the command, the code and the stderr tail', async () => {
    const failing = session.exec(['sh', '-c', 'echo boom >&2; exit 3']);
    await expect(failing).rejects.toBeInstanceOf(CommandError);
    await expect(failing).rejects.toMatchObject({
      code: 3,
      message: expect.stringMatching(/exit code 3\): sh -c .*\nboom/s),
    });
    const allowed = await session.exec(['sh', '-c', 'exit 4'], { allowFailure: true });
    expect(allowed.code).toBe(4);
  });

  it('feeds stdin and bounds a command in time', async () => {
    const input = 'hello\nwörld\n'.repeat(10_000);
    expect((await session.exec(['cat'], { stdin: input })).stdout).toBe(input);
    const started = Date.now();
    await expect(session.exec(['sleep', '10'], { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('moves files over SFTP: mode before the data, read, atomic rename, remove', async () => {
    await exerciseFiles(session, `${remoteDir}/files`, 'sftp');
  });

  it('opens the sftp subsystem once for concurrent operations and names the path in errors', async () => {
    const fresh = await SshSession.connect(base);
    try {
      const paths = Array.from({ length: 6 }, (_, i) => `${remoteDir}/concurrent-${i}`);
      await Promise.all(paths.map((path) => fresh.writeFile(path, path, { mode: 0o600 })));
      const read = await Promise.all(paths.map((path) => fresh.readFile(path)));
      expect(read.map(String)).toEqual(paths);
      const error = await fresh.writeFile(`${remoteDir}/no-such-dir/f`, 'x').catch((e: Error) => e);
      expect(error).toBeInstanceOf(SftpError);
      expect(String(error)).toMatch(/SFTP open failed on 127\.0\.0\.1:\d+: .*no-such-dir\/f: No such file/);
    } finally {
      fresh.close();
    }
  });

  it('refuses a wrong pinned key, naming the host and the offered fingerprint', async () => {
    const wrong = parseKnownHosts(`[${target.host}]:${target.port} ${strangerKey}`);
    const attempt = SshSession.connect({ ...base, knownHosts: wrong });
    await expect(attempt).rejects.toBeInstanceOf(HostKeyError);
    const expected = hostFingerprint(join(stack.STACK_DIR!, 'ssh', 'host_ed25519.pub'));
    await expect(attempt).rejects.toThrow(`Refused ${target.host}:${target.port} before authentication`);
    await expect(attempt).rejects.toThrow(expected);
  });

  it('never puts the private key in an error', async () => {
    const error = await SshSession.connect({ ...base, privateKey: `${privateKey}garbage` }).catch(
      (e: Error) => e,
    );
    const keyBody = privateKey.split('\n')[1]!;
    expect(String(error)).not.toContain(keyBody);
  });
});

describe('a private sshd with a verbose log', () => {
  let dir: string;
  let sshd: TestSshd;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-test-'));
    sshd = await startTestSshd({ dir, user: stack.STACK_SSH_USER!, authorizedKeys });
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const privateTarget = () => ({ host: '127.0.0.1', port: sshd.port });

  it('opens one sftp subsystem per session, shared by every file operation', async () => {
    const before = sshd.log().length;
    const session = await SshSession.connect({
      ...base,
      target: privateTarget(),
      knownHosts: parseKnownHosts(sshd.knownHostsLine),
    });
    try {
      const missing = ['a', 'b', 'c'].map((name) => `/tmp/ssh-int-missing-${process.pid}-${name}`);
      expect(await Promise.all(missing.map((path) => session.readFile(path)))).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      await exerciseFiles(session, `/tmp/ssh-int-private-${process.pid}`, 'sftp');
    } finally {
      session.close();
    }
    const requests =
      sshd
        .log()
        .slice(before)
        .match(/Starting session: subsystem 'sftp'/g) ?? [];
    expect(requests).toHaveLength(1);
  });

  it('falls back to exec on a server without the sftp subsystem, and the session stays usable', async () => {
    const server = await startTestSshd({
      dir: join(dir, 'nosftp'),
      user: stack.STACK_SSH_USER!,
      authorizedKeys,
      sftp: false,
    });
    const notices: string[] = [];
    try {
      const session = await SshSession.connect({
        ...base,
        target: { host: '127.0.0.1', port: server.port },
        knownHosts: parseKnownHosts(server.knownHostsLine),
        log: (message) => notices.push(message),
      });
      await exerciseFiles(session, `/tmp/ssh-int-nosftp-${process.pid}`, 'exec');
      // The refused sftp channel must not stay open: sshd allows 10 sessions per connection
      // (MaxSessions), and ten commands at once need all of them. sshd frees a closed channel in
      // its next loop, not when the close arrives, so a loaded machine may still count the last
      // file command's channel (or the nine of a refused try, still sleeping): tries over some 15 s
      // tell that from a channel that never closes.
      const tenAtOnce = () =>
        Promise.all(Array.from({ length: 10 }, (_, i) => session.exec(['sh', '-c', `sleep 0.3; echo ${i}`])));
      let outputs: Awaited<ReturnType<typeof tenAtOnce>> | undefined;
      for (let attempt = 1; !outputs; attempt++) {
        try {
          outputs = await tenAtOnce();
        } catch (error) {
          if (attempt === 20 || !/Channel open failure/.test(String(error))) throw error;
          await new Promise((resolve) => setTimeout(resolve, 750));
        }
      }
      expect(outputs.map((o) => o.stdout.trim())).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));
      session.close();
    } finally {
      await server.stop();
    }
    expect(server.log()).toMatch(/subsystem request for sftp by user \S+ failed/);
    expect(notices).toEqual([expect.stringMatching(/SFTP unavailable \(Unable to start subsystem: sftp\)/)]);
    expect(notices.join('\n')).not.toContain(privateKey.split('\n')[1]!);
  });

  it('accepts the pinned key (control: the log does show a login)', async () => {
    const session = await SshSession.connect({
      ...base,
      target: privateTarget(),
      knownHosts: parseKnownHosts(sshd.knownHostsLine),
    });
    session.close();
    await expect.poll(() => sshd.log()).toMatch(/Accepted publickey for /);
  });

  it.each([
    ['a wrong pinned key', () => `[127.0.0.1]:${sshd.port} ${strangerKey}`, /does not match the key pinned/],
    ['a host missing from known-hosts', () => `[127.0.0.1]:1 ${strangerKey}`, /is not listed in known-hosts/],
    [
      'a revoked key',
      () => `${sshd.knownHostsLine}\n@revoked * ${sshd.knownHostsLine.split(' ').slice(1).join(' ')}`,
      /@revoked/,
    ],
  ])('refuses %s with no authentication attempt', async (_, knownHostsText, message) => {
    const before = sshd.log().length;
    const attempt = SshSession.connect({
      ...base,
      target: privateTarget(),
      knownHosts: parseKnownHosts(knownHostsText()),
    });
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toThrow(hostFingerprint(join(dir, 'host_ed25519.pub')));
    await expect.poll(() => sshd.log().slice(before)).toMatch(/Connection from 127\.0\.0\.1/);
    await new Promise((r) => setTimeout(r, 200));
    const after = sshd.log().slice(before);
    expect(after).not.toMatch(/Accepted|Postponed|Failed publickey|userauth/i);
  });
});
