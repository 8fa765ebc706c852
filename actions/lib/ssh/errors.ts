import { CommandError } from '../system/command-error';
import { explainNetworkError } from '../system/network-error';

// Errors of the SSH transport (session.ts, files.ts). Messages name hosts, commands, paths and key
// fingerprints, never key material or file contents.

/** The host offered a key that is not pinned for it (or is revoked): nothing was sent to it. */
export class HostKeyError extends Error {
  constructor(
    readonly host: string,
    readonly offeredFingerprint: string,
    readonly reason: 'revoked' | 'unknown-host' | 'mismatch',
  ) {
    super(hostKeyMessage(host, offeredFingerprint, reason));
    this.name = 'HostKeyError';
  }
}

/** Connecting or authenticating failed for a reason other than the host key. */
export class SshConnectError extends Error {
  constructor(host: string, detail: string, options?: ErrorOptions) {
    super(`SSH connection to ${host} failed: ${detail}`, options);
    this.name = 'SshConnectError';
  }
}

/** A failed connection: a network failure names the SSH server, its address and what to check. */
export function sshConnectError(host: string, error: Error): SshConnectError {
  const explained = explainNetworkError(error, {
    name: 'SSH server',
    address: host,
    hint: 'Check that `hosts` names it (host:port), that sshd runs there and that the runner may reach it (firewall, security group).',
  });
  return new SshConnectError(host, explained === error ? error.message : (explained as Error).message, {
    cause: error,
  });
}

const STDERR_TAIL_CHARS = 2_000;

function hostKeyMessage(host: string, offered: string, reason: HostKeyError['reason']): string {
  const what = {
    revoked: `offered a host key that known-hosts marks @revoked`,
    'unknown-host': `is not listed in known-hosts`,
    mismatch: `offered a host key that does not match the key pinned in known-hosts (possible man-in-the-middle, or the host was rebuilt)`,
  }[reason];
  return `Refused ${host} before authentication: it ${what}. Offered key: ${offered}. Verify that fingerprint out of band (ssh-keygen -lf on the host) before adding it to known-hosts.`;
}

/** A command that failed on a host: the message names the host, why, the command and its stderr's tail. */
export function remoteCommandError(
  host: string,
  command: string,
  code: number,
  stderr: string,
  why = `exit code ${code}`,
): CommandError {
  return new CommandError(`Command failed on ${host} (${why}): ${command}${stderrTail(stderr)}`, {
    command,
    host,
    code,
    stderr,
    timedOut: why.startsWith('timed out'),
  });
}

function stderrTail(stderr: string): string {
  const trimmed = stderr.trim();
  if (!trimmed) return '';
  const tail = trimmed.length > STDERR_TAIL_CHARS ? `…${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed;
  return `\n${tail}`;
}
