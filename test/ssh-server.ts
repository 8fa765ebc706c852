// Test helpers: read the stack's environment, and run a private OpenSSH server (its own host
// key, port and log) next to the stack's, for tests that need a second host or must inspect
// the server's log. Stopped by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './net';

/** `scripts/stack env` as an object. */
export { stackEnv as readStackEnv } from './stack-env';

export { freePort };

export interface TestSshd {
  port: number;
  /** known_hosts line pinning this server's key for `[127.0.0.1]:port`. */
  knownHostsLine: string;
  logPath: string;
  log(): string;
  stop(): Promise<void>;
}

export interface TestSshdOptions {
  /** Directory for the host key, config, pid and log. */
  dir: string;
  /** Who may log in, and with which authorized_keys file. */
  user: string;
  authorizedKeys: string;
  /** Runs sshd under this prefix (e.g. `unshare --mount ...`); it must exec the given argv. */
  wrap?: (sshdArgv: string[]) => string[];
  /** Offer the sftp subsystem (default true, like Debian's stock sshd_config). */
  sftp?: boolean;
}

/** Starts `sshd -D` on a free loopback port and waits until it accepts connections. */
export async function startTestSshd(options: TestSshdOptions): Promise<TestSshd> {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  if (!existsSync(hostKey))
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test-host', '-f', hostKey]);
  const port = await freePort();
  const logPath = join(dir, 'sshd.log');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${options.authorizedKeys}`,
      `AllowUsers ${options.user}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      options.sftp === false ? '' : 'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );
  writeFileSync(logPath, '');
  const sshdArgv = ['/usr/sbin/sshd', '-D', '-f', config, '-E', logPath];
  const argv = options.wrap ? options.wrap(sshdArgv) : sshdArgv;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true });
  await waitForPort(port, child);
  const publicKey = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey}`,
    logPath,
    log: () => readFileSync(logPath, 'utf8'),
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    process.kill(child.pid!, 'SIGTERM');
  });
}
