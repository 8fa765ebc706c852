// File operations of an SshSession, in two interchangeable ways: SFTP (what OpenSSH servers offer by
// default) and POSIX commands over exec channels (for servers that refuse the sftp subsystem).
import type { Client, SFTPWrapper } from 'ssh2';
import { remoteCommandError } from './errors';

export interface RemoteFiles {
  readonly via: 'sftp' | 'exec';
  /** Writes a file that has `mode` before any byte of `data` is in it. */
  writeFile(path: string, data: Buffer, mode: number): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Atomically replaces `to` with `from` (rename(2); both on one filesystem). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
}

export interface RawResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs argv on the host; throws on a non-zero exit unless allowFailure. */
export type RunRaw = (
  argv: string[],
  options: { stdin?: Buffer; allowFailure?: boolean },
) => Promise<RawResult>;

/** An SFTP request failed; the message names the operation, host and path, never file contents. */
export class SftpError extends Error {
  constructor(
    readonly host: string,
    readonly operation: string,
    readonly path: string,
    /** SFTP status code (2 no such file, 3 permission denied, 4 failure, ...), when the server sent one. */
    readonly code: number | undefined,
    detail: string,
  ) {
    super(`SFTP ${operation} failed on ${host}: ${path}: ${detail}`);
    this.name = 'SftpError';
  }
}

/** Exit code the exec readFile uses for a missing file. */
const MISSING_EXIT = 44;
const NO_SUCH_FILE = 2;

export class ExecFiles implements RemoteFiles {
  readonly via = 'exec';

  constructor(
    private readonly run: RunRaw,
    private readonly label: string,
  ) {}

  async writeFile(path: string, data: Buffer, mode: number): Promise<void> {
    // umask 077: a new file starts private; chmod also fixes an existing file before the data lands.
    const script = 'umask 077 && : > "$1" && chmod "$2" "$1" && cat > "$1"';
    await this.run(['sh', '-c', script, 'sh', path, mode.toString(8)], { stdin: data });
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const script = `[ -e "$1" ] || exit ${MISSING_EXIT}; cat -- "$1"`;
    const result = await this.run(['sh', '-c', script, 'sh', path], { allowFailure: true });
    if (result.code === MISSING_EXIT) return undefined;
    if (result.code !== 0)
      throw remoteCommandError(this.label, `read ${path}`, result.code, result.stderr.toString('utf8'));
    return result.stdout;
  }

  async rename(from: string, to: string): Promise<void> {
    await this.run(['mv', '-f', '--', from, to], {});
  }

  async remove(path: string): Promise<void> {
    await this.run(['rm', '-f', '--', path], {});
  }
}

export class SftpFiles implements RemoteFiles {
  readonly via = 'sftp';

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly label: string,
    /** For the one case plain SFTP cannot do atomically (see rename). */
    private readonly exec: ExecFiles,
  ) {}

  async writeFile(path: string, data: Buffer, mode: number): Promise<void> {
    // 'w' creates with `mode` (narrowed by the server's umask) or truncates an existing file, so
    // its old bytes are gone; fchmod then sets exactly `mode` (also on an existing, wider file)
    // before the first byte is written.
    const handle = await this.request<Buffer>('open', path, (cb) => this.sftp.open(path, 'w', { mode }, cb));
    try {
      await this.request('chmod', path, (cb) => this.sftp.fchmod(handle, mode, cb));
      await this.request('write', path, (cb) => this.sftp.write(handle, data, 0, data.length, 0, cb));
    } catch (error) {
      await this.request('close', path, (cb) => this.sftp.close(handle, cb)).catch(() => undefined);
      throw error;
    }
    // close reports late write errors (e.g. a full disk), so it is awaited, not fired and forgotten.
    await this.request('close', path, (cb) => this.sftp.close(handle, cb));
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    try {
      return await this.request<Buffer>('read', path, (cb) => this.sftp.readFile(path, cb));
    } catch (error) {
      if (error instanceof SftpError && error.code === NO_SUCH_FILE) return undefined;
      throw error;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    // SFTP's own RENAME refuses an existing target; OpenSSH's posix-rename extension is rename(2).
    const renamed = await this.request<boolean>('rename', `${from} -> ${to}`, (cb) => {
      try {
        this.sftp.ext_openssh_rename(from, to, (error) => cb(error, true));
      } catch {
        cb(undefined, false); // ssh2 throws before sending anything when the server lacks the extension
      }
    });
    if (renamed) return;
    if (await this.exists(to)) return this.exec.rename(from, to); // mv -f: rename(2), still atomic
    await this.request('rename', `${from} -> ${to}`, (cb) => this.sftp.rename(from, to, cb));
  }

  async remove(path: string): Promise<void> {
    try {
      await this.request('remove', path, (cb) => this.sftp.unlink(path, cb));
    } catch (error) {
      if (!(error instanceof SftpError && error.code === NO_SUCH_FILE)) throw error;
    }
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.request('stat', path, (cb) => this.sftp.lstat(path, (error) => cb(error)));
      return true;
    } catch (error) {
      if (error instanceof SftpError && error.code === NO_SUCH_FILE) return false;
      throw error;
    }
  }

  /** One SFTP request as a promise; its error becomes an SftpError naming host, operation and path. */
  private request<T = void>(
    operation: string,
    path: string,
    send: (cb: (error: Error | null | undefined, value?: T) => void) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      send((error, value) => {
        if (!error) return resolve(value as T);
        const code = (error as { code?: unknown }).code;
        reject(
          new SftpError(
            this.label,
            operation,
            path,
            typeof code === 'number' ? code : undefined,
            error.message,
          ),
        );
      });
    });
  }
}

/**
 * Opens the sftp subsystem on a new channel. When the server refuses it, ssh2 reports the error but
 * leaves that session channel open on both sides, and every such channel counts against the
 * server's MaxSessions (10 by default): after a few refusals no channel opens any more, execs
 * included. So the refused channel is closed here. ssh2 does not hand it out, so it is found in the
 * client's channel table by the id client.sftp() reserved (synchronously); if ssh2 ever stores
 * channels differently this finds nothing and the one channel stays open until the session ends.
 */
export function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    const channels = channelTable(client);
    const before = new Set(Object.keys(channels ?? {}));
    let reserved: string[] = [];
    client.sftp((error, sftp) => {
      if (!error) return resolve(sftp);
      for (const id of reserved) closeChannel(channels?.[id]);
      reject(error);
    });
    reserved = Object.keys(channels ?? {}).filter((id) => !before.has(id));
  });
}

interface OpenChannel {
  outgoing?: { state?: string };
  destroy?: () => void;
}

function channelTable(client: Client): Record<string, OpenChannel | undefined> | undefined {
  const manager = (client as unknown as { _chanMgr?: { _channels?: unknown } })._chanMgr;
  const table = manager?._channels;
  return table && typeof table === 'object' ? (table as Record<string, OpenChannel>) : undefined;
}

function closeChannel(channel: OpenChannel | undefined): void {
  if (channel?.outgoing?.state === 'open' && typeof channel.destroy === 'function') channel.destroy();
}
