/**
 * A command that could not start, timed out or exited non-zero: run here (exec.ts) or on a host
 * over SSH (lib/ssh). The message says which, with the tail of what the command printed; callers
 * redact secrets from it before it is built.
 */
export class CommandError extends Error {
  /** The command as shown in the message. */
  readonly command: string;
  /** The host it ran on; undefined for a local command. */
  readonly host?: string;
  /** Its exit code; undefined when it never ran. */
  readonly code?: number;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(
    message: string,
    details: { command: string; host?: string; code?: number; stderr?: string; timedOut?: boolean },
  ) {
    super(message);
    this.name = 'CommandError';
    this.command = details.command;
    this.host = details.host;
    this.code = details.code;
    this.stderr = details.stderr ?? '';
    this.timedOut = details.timedOut ?? false;
  }
}
