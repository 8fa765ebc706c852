import './node-globals';
import { Client, type ClientChannel } from 'ssh2';
import {
  fingerprint,
  formatHost,
  pinnedKeyTypes,
  verifyHostKey,
  type HostTarget,
  type KnownHost,
} from './known-hosts';
import { shellQuote } from './shell';

export {
  parseHost,
  parseKnownHosts,
  formatHost,
  fingerprint,
  type HostTarget,
  type KnownHost,
} from './known-hosts';
export { shellQuote } from './shell';

export interface ConnectOptions {
  target: HostTarget;
  username: string;
  /** OpenSSH or PEM private key text (unencrypted). */
  privateKey: string;
  /** The pinned keys; the host must offer one of the keys listed for it. */
  knownHosts: KnownHost[];
  readyTimeoutMs?: number;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  /** Resolve with the exit code instead of throwing CommandError when it is not 0. */
  allowFailure?: boolean;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

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

/** A remote command exited non-zero (or timed out). */
export class CommandError extends Error {
  constructor(
    readonly host: string,
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
    why = `exit code ${code}`,
  ) {
    super(`Command failed on ${host} (${why}): ${command}${stderrTail(stderr)}`);
    this.name = 'CommandError';
  }
}

/** Connecting or authenticating failed for a reason other than the host key. */
export class SshConnectError extends Error {
  constructor(host: string, detail: string) {
    super(`SSH connection to ${host} failed: ${detail}`);
    this.name = 'SshConnectError';
  }
}

const STDERR_TAIL_CHARS = 2_000;
/** Exit code the no-SFTP readFile uses for a missing file. */
const MISSING_EXIT = 44;

/** Host key algorithms ssh2 may negotiate for each known_hosts key type, in preference order. */
const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * One authenticated SSH connection to a host whose key was checked against the
 * pinned keys before authentication. Commands are argv arrays, quoted here, never
 * strings built by callers.
 */
export class SshSession {
  private constructor(
    private readonly client: Client,
    /** `host` or `host:port`, for messages. */
    readonly label: string,
  ) {}

  static connect(options: ConnectOptions): Promise<SshSession> {
    const label = formatHost(options.target);
    const algorithms = hostKeyAlgorithms(options.knownHosts, options.target);
    return new Promise((resolve, reject) => {
      const client = new Client();
      let refusal: HostKeyError | undefined;
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.on('ready', () => {
        settled = true;
        resolve(new SshSession(client, label));
      });
      client.on('error', (error) => fail(refusal ?? new SshConnectError(label, error.message)));
      client.on('close', () =>
        fail(refusal ?? new SshConnectError(label, 'the connection closed during the handshake')),
      );
      try {
        client.connect({
          host: options.target.host,
          port: options.target.port,
          username: options.username,
          privateKey: options.privateKey,
          readyTimeout: options.readyTimeoutMs ?? 20_000,
          keepaliveInterval: 10_000,
          ...(algorithms.length > 0 ? { algorithms: { serverHostKey: algorithms as never } } : {}),
          hostVerifier: (offered: Buffer) => {
            const verdict = verifyHostKey(options.knownHosts, options.target, offered);
            if (verdict.trusted) return true;
            refusal = new HostKeyError(label, fingerprint(offered), verdict.reason);
            return false;
          },
        });
      } catch {
        // ssh2 throws synchronously on an unparsable key; its message is not needed and must not leak.
        fail(
          new SshConnectError(
            label,
            'the private key could not be parsed (expected an unencrypted OpenSSH or PEM key)',
          ),
        );
      }
    });
  }

  /** Runs a command (argv, quoted for the remote shell) and collects its output. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.execRaw(argv, options);
    return {
      code: result.code,
      stdout: result.stdout.toString('utf8'),
      stderr: result.stderr.toString('utf8'),
    };
  }

  // Files go through POSIX commands over exec rather than SFTP: hosts (the stack's sshd among them)
  // may run without the sftp subsystem, and ssh2 loses the connection a few channels after a
  // refused subsystem request. rename(2) within one filesystem is just as atomic through `mv`.

  /** Writes a file; the file has `mode` (default 0644) before any byte of `data` is written. */
  async writeFile(path: string, data: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    const mode = (options.mode ?? 0o644).toString(8);
    // umask 077: a new file starts private; chmod also fixes an existing file before the data lands.
    const script = 'umask 077 && : > "$1" && chmod "$2" "$1" && cat > "$1"';
    await this.execRaw(['sh', '-c', script, 'sh', path, mode], {
      stdin: typeof data === 'string' ? Buffer.from(data) : data,
    });
  }

  /** The file's bytes, or undefined when it does not exist. */
  async readFile(path: string): Promise<Buffer | undefined> {
    const script = `[ -e "$1" ] || exit ${MISSING_EXIT}; cat -- "$1"`;
    const result = await this.execRaw(['sh', '-c', script, 'sh', path], { allowFailure: true });
    if (result.code === MISSING_EXIT) return undefined;
    if (result.code !== 0)
      throw new CommandError(this.label, `read ${path}`, result.code, result.stderr.toString('utf8'));
    return result.stdout;
  }

  /** Atomically replaces `to` with `from` (rename(2); both must be on one filesystem). */
  async rename(from: string, to: string): Promise<void> {
    await this.execRaw(['mv', '-f', '--', from, to], {});
  }

  /** Removes a file; a missing file is not an error. */
  async remove(path: string): Promise<void> {
    await this.execRaw(['rm', '-f', '--', path], {});
  }

  close(): void {
    this.client.end();
  }

  private execRaw(argv: string[], options: ExecOptions): Promise<RawResult> {
    const command = shellQuote(argv);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error)
          return reject(new SshConnectError(this.label, `could not start a command: ${error.message}`));
        collect(channel, options, (result, timedOut) => {
          const stderr = result.stderr.toString('utf8');
          if (timedOut) {
            reject(
              new CommandError(
                this.label,
                command,
                result.code,
                stderr,
                `timed out after ${options.timeoutMs} ms`,
              ),
            );
          } else if (result.code !== 0 && !options.allowFailure) {
            reject(new CommandError(this.label, command, result.code, stderr));
          } else resolve(result);
        });
      });
    });
  }
}

interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Collects a channel's output until it closes. On timeout it gives up at once: OpenSSH
 * does not kill a command when its channel closes, so waiting would wait for the command.
 */
function collect(
  channel: ClientChannel,
  options: ExecOptions,
  done: (result: RawResult, timedOut: boolean) => void,
) {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let code = -1;
  let finished = false;
  const finish = (timedOut: boolean) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    done({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) }, timedOut);
  };
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          channel.signal('KILL');
          channel.close();
          finish(true);
        }, options.timeoutMs);
  channel.on('data', (chunk: Buffer) => stdout.push(chunk));
  channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  channel.on('exit', (exitCode: number | null, signal?: string) => {
    code = exitCode ?? (signal ? 128 + 9 : -1);
  });
  channel.on('close', () => finish(false));
  channel.end(options.stdin ?? undefined);
}

function hostKeyAlgorithms(knownHosts: KnownHost[], target: HostTarget): string[] {
  return pinnedKeyTypes(knownHosts, target).flatMap((type) => ALGORITHMS_FOR_KEY_TYPE[type] ?? []);
}

function hostKeyMessage(host: string, offered: string, reason: HostKeyError['reason']): string {
  const what = {
    revoked: `offered a host key that known-hosts marks @revoked`,
    'unknown-host': `is not listed in known-hosts`,
    mismatch: `offered a host key that does not match the key pinned in known-hosts (possible man-in-the-middle, or the host was rebuilt)`,
  }[reason];
  return `Refused ${host} before authentication: it ${what}. Offered key: ${offered}. Verify that fingerprint out of band (ssh-keygen -lf on the host) before adding it to known-hosts.`;
}

function stderrTail(stderr: string): string {
  const trimmed = stderr.trim();
  if (!trimmed) return '';
  const tail = trimmed.length > STDERR_TAIL_CHARS ? `…${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed;
  return `\n${tail}`;
}
