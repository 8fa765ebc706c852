// One host's side of a deploy or rollback: connect, lock, switch, record, unlock. The steps live in
// lock.ts, switch.ts, releases.ts and pre-switch.ts; this class keeps what the run did on the host,
// which changes only through its methods. The first failing command stops the host's flow.
import { errorMessage } from '../action/run';
import { formatHost, type HostTarget, type KnownHost } from '../ssh/known-hosts';
import { SshSession } from '../ssh/session';
import { HostLock, type LockOwner } from './lock';
import { publishMetricsTarget } from './metrics-target';
import * as plan from './plan';
import { appLayout, prepareDirCommand } from './plan';
import { pullImage, runPreSwitch, type PreSwitchCommand, type RegistryLogin } from './pre-switch';
import { appendAudit, hasContainer, readAuditLog, readState, saveState } from './releases';
import { Remote, type HostLog } from './remote';
import { afterSwitch } from './state';
import { bootAndSwitch, drainAndStop, nextRelease } from './switch';
import type {
  AppLayout,
  AppState,
  AuditEntry,
  AuditResult,
  HostSettings,
  ImageTarget,
  Release,
  Target,
} from './types';

/** What every host of a run shares: how to connect, how the app runs, who runs it, where to log. */
export interface HostContext extends HostLog {
  settings: HostSettings;
  user: string;
  privateKey: string;
  knownHosts: KnownHost[];
  owner: LockOwner;
}

/** The audit entry's fields the caller knows; the host adds time, result, duration and who. */
export type AuditFields = Pick<AuditEntry, 'action' | 'version' | 'previous' | 'image'>;

/** What a run did on one host, as far as it got. */
export interface HostRecord {
  /** What served when this run took the lock. */
  before?: Release;
  /** Retained releases and what serves, as this run last saw or left them. */
  state: AppState;
  /** Whether this run switched the proxy here (and so must switch it back on undo). */
  switched: boolean;
  result?: AuditResult;
  error?: string;
}

export class HostRun {
  readonly label: string;
  readonly layout: AppLayout;
  readonly timings = { startedAt: Date.now(), pullMs: 0, preSwitchMs: 0, switchMs: 0, finishedAt: 0 };
  private remote?: Remote;
  private lock?: HostLock;
  private readonly seen: HostRecord = { state: { retained: [] }, switched: false };

  constructor(
    readonly target: HostTarget,
    private readonly ctx: HostContext,
  ) {
    this.label = formatHost(target);
    this.layout = appLayout(ctx.settings.root, ctx.settings.app);
  }

  /** What this run did here; it changes only through the methods below. */
  get record(): Readonly<HostRecord> {
    return this.seen;
  }

  /** Connects (host key pinned), takes the app's lock and reads its state. */
  async open(): Promise<void> {
    const session = await SshSession.connect({
      target: this.target,
      username: this.ctx.user,
      privateKey: this.ctx.privateKey,
      knownHosts: this.ctx.knownHosts,
    });
    const remote = new Remote(session, this.label, this.ctx.settings, this.layout, this.ctx);
    this.remote = remote;
    await remote.exec(prepareDirCommand(this.layout));
    this.lock = new HostLock(remote, this.ctx.owner);
    await this.lock.take();
    this.seen.state = await readState(remote);
    this.seen.before = this.seen.state.current;
    remote.log(`locked ${this.layout.lock}; serving ${this.seen.before?.version ?? 'nothing yet'}`);
  }

  async pull(image: string, registry?: RegistryLogin): Promise<void> {
    this.timings.pullMs = await pullImage(this.connected(), image, registry);
  }

  /**
   * Writes the new release's own env file (mode 0600 before any byte is written, in a 0700
   * directory). What serves, and every retained release, keep theirs: a failed deploy changes no
   * environment a rollback would use.
   */
  async writeEnv(version: string, text: string): Promise<void> {
    const remote = this.connected();
    await remote.exec(plan.prepareEnvDirCommand(this.layout));
    await remote.session.writeFile(plan.releaseEnvFile(this.layout, version), text, { mode: 0o600 });
  }

  /** Runs the deploy's pre-switch command here, in the new image; throws when it fails. */
  async runPreSwitch(target: ImageTarget, command: PreSwitchCommand): Promise<void> {
    const serving = this.seen.before?.version;
    this.timings.preSwitchMs = await runPreSwitch(this.connected(), target, command, serving);
  }

  async hasContainer(release: Release): Promise<boolean> {
    return hasContainer(this.connected(), release);
  }

  async auditHistory(): Promise<AuditEntry[]> {
    return readAuditLog(this.connected());
  }

  /**
   * Boots the target on the free slot, waits until it is healthy, switches the proxy to it,
   * lets in-flight requests drain and stops the release that served before.
   * Returns false when the target already serves (nothing to do).
   */
  async switchTo(target: Target, options: { undo?: boolean } = {}): Promise<boolean> {
    const remote = this.connected();
    const started = Date.now();
    const old = this.seen.state.current;
    const next = nextRelease(remote, target, old);
    if (old?.container === next.container) {
      remote.log(`${next.version} already serves; nothing to switch`);
      return false;
    }
    await bootAndSwitch(remote, target, next, old?.version);
    if (!options.undo) this.seen.switched = true;
    this.seen.state = afterSwitch(this.seen.state, next);
    // Before the old release stops; a failure here fails the host, and the undo points it back.
    await publishMetricsTarget(remote, next);
    if (old) await drainAndStop(remote, old);
    this.timings.switchMs = Date.now() - started;
    return true;
  }

  /** Switches back to what served before this run (the multi-host undo). */
  async undo(): Promise<void> {
    const { before, switched } = this.seen;
    if (!switched || !before) return;
    this.connected().log(`switching back to ${before.version}`);
    try {
      await this.switchTo({ kind: 'retained', release: before }, { undo: true });
    } catch (error) {
      throw new Error(`switching back to ${before.version} failed: ${errorMessage(error)}`);
    }
    this.seen.switched = false;
    this.seen.result = 'undone';
  }

  /** This host's change is done: `success`, or `unchanged` when the target already served. */
  succeed(changed: boolean): void {
    this.seen.result = changed ? 'success' : 'unchanged';
  }

  fail(error: string): void {
    this.seen.result = 'failed';
    this.seen.error = error;
  }

  /** Saves state (pruning old releases), appends the audit entry and releases the lock. */
  async close(fields: AuditFields): Promise<void> {
    this.timings.finishedAt = Date.now();
    const remote = this.remote;
    if (!remote) return;
    try {
      const { state, before, result, error } = this.seen;
      if (state.current !== before || result === 'undone') this.seen.state = await saveState(remote, state);
      await appendAudit(remote, {
        time: new Date().toISOString(),
        action: fields.action,
        actor: this.ctx.owner.actor,
        app: this.ctx.settings.app,
        version: fields.version,
        previous: fields.previous,
        image: fields.image,
        host: this.label,
        result: result ?? 'failed',
        durationMs: this.timings.finishedAt - this.timings.startedAt,
        run: this.ctx.owner.run,
        ...(error ? { error: error.slice(0, 500) } : {}),
      });
    } finally {
      await this.lock?.release();
      remote.session.close();
      this.remote = undefined;
    }
  }

  private connected(): Remote {
    if (!this.remote) throw new Error(`${this.label}: not connected`);
    return this.remote;
  }
}
