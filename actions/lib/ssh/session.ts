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
import { HostKeyError, remoteCommandError, sshConnectError, SshConnectError } from './errors';
import { ExecFiles, openSftp, SftpFiles, type RawResult, type RemoteFiles } from './files';
import { shellQuote } from './shell';

export interface ConnectOptions {
  target: HostTarget;
  username: string;
  /** OpenSSH or PEM private key text (unencrypted). */
  privateKey: string;
  /** The pinned keys; the host must offer one of the keys listed for it. */
  knownHosts: KnownHost[];
  readyTimeoutMs?: number;
  /** Notices worth a log line (e.g. SFTP refused, files go over exec); never carry secrets. */
  log?: (message: string) => void;
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
  private filesPromise?: Promise<RemoteFiles>;
  private readonly execFiles: ExecFiles;

  private constructor(
    private readonly client: Client,
    /** `host` or `host:port`, for messages. */
    readonly label: string,
    private readonly log: (message: string) => void,
  ) {
    this.execFiles = new ExecFiles((argv, options) => this.execRaw(argv, options), label);
  }

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
        resolve(new SshSession(client, label, options.log ?? (() => undefined)));
      });
      client.on('error', (error) => fail(refusal ?? sshConnectError(label, error)));
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

  // Files go over SFTP, opened on first use and shared by later operations. A server that
  // refuses the sftp subsystem gets the same operations as POSIX commands over exec instead.

  /** Writes a file; the file has `mode` (default 0644) before any byte of `data` is written. */
  async writeFile(path: string, data: string | Buffer, options: { mode?: number } = {}): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    await (await this.files()).writeFile(path, bytes, options.mode ?? 0o644);
  }

  /** The file's bytes, or undefined when it does not exist. */
  async readFile(path: string): Promise<Buffer | undefined> {
    return (await this.files()).readFile(path);
  }

  /** Atomically replaces `to` with `from` (rename(2); both must be on one filesystem). */
  async rename(from: string, to: string): Promise<void> {
    await (await this.files()).rename(from, to);
  }

  /** Removes a file; a missing file is not an error. */
  async remove(path: string): Promise<void> {
    await (await this.files()).remove(path);
  }

  /** How this session moves files: 'sftp', or 'exec' when the server refused the sftp subsystem. */
  async filesVia(): Promise<'sftp' | 'exec'> {
    return (await this.files()).via;
  }

  close(): void {
    this.client.end();
  }

  private files(): Promise<RemoteFiles> {
    this.filesPromise ??= this.openFiles();
    return this.filesPromise;
  }

  private async openFiles(): Promise<RemoteFiles> {
    try {
      const sftp = await openSftp(this.client);
      // The server may end the subsystem (sftp-server killed): the next operation opens it again.
      sftp.once('close', () => (this.filesPromise = undefined));
      return new SftpFiles(sftp, this.label, this.execFiles);
    } catch (error) {
      this.log(
        `${this.label}: SFTP unavailable (${(error as Error).message}); file operations use shell commands over exec`,
      );
      return this.execFiles;
    }
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
              remoteCommandError(
                this.label,
                command,
                result.code,
                stderr,
                `timed out after ${options.timeoutMs} ms`,
              ),
            );
          } else if (result.code !== 0 && !options.allowFailure) {
            reject(remoteCommandError(this.label, command, result.code, stderr));
          } else resolve(result);
        });
      });
    });
  }
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
