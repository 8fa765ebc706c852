import type { ExecOptions, SshSession } from '../ssh/session';
import type { AppLayout, HostSettings } from './types';

/** Where a host's deploy steps report: its log lines, and a container's output printed as a group. */
export interface HostLog {
  log(message: string): void;
  showLogs(title: string, text: string): void;
}

/** One connected host as the deploy steps (lock, switch, releases) use it. */
export class Remote {
  constructor(
    readonly session: SshSession,
    /** `host` or `host:port`, for messages. */
    readonly label: string,
    readonly settings: HostSettings,
    readonly layout: AppLayout,
    private readonly out: HostLog,
  ) {}

  /** Runs argv on the host; the first failing command throws (unless `allowFailure`). */
  exec(argv: string[], options?: ExecOptions) {
    return this.session.exec(argv, options);
  }

  log(message: string): void {
    this.out.log(`[${this.label}] ${message}`);
  }

  showLogs(title: string, text: string): void {
    this.out.showLogs(`${this.label}: ${title}`, text);
  }
}
