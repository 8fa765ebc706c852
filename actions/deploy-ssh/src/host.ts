// One host's side of a deploy or rollback: runs the commands built in plan.ts over an SshSession.
// The first failing command stops this host's flow (SshSession.exec throws on a non-zero exit).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { formatDuration } from '../../common/src/duration';
import { sleep } from '../../common/src/retry';
import { errorMessage } from '../../common/src/run';
import { SshSession, formatHost, type HostTarget, type KnownHost } from '../../common/src/ssh';
import * as plan from './plan';
import type { HostSettings, Release } from './plan';
import {
  afterSwitch,
  auditLine,
  parseAuditLog,
  parseState,
  prune,
  type AppState,
  type AuditEntry,
  type AuditResult,
} from './state';

export interface HostContext {
  settings: HostSettings;
  username: string;
  privateKey: string;
  knownHosts: KnownHost[];
  actor: string;
  run: string;
  log: (message: string) => void;
  /** Prints a container's last log lines (grouped by the caller). */
  showLogs: (title: string, text: string) => void;
}

/** What to switch in: a fresh image (deploy) or a retained release (rollback, undo). */
export type Target =
  { kind: 'image'; version: string; image: string } | { kind: 'retained'; release: Release };

const HEALTH_POLL_MS = 500;
const STALE_LOCK_MS = 60 * 60 * 1000;

export class HostRun {
  readonly label: string;
  readonly layout: plan.AppLayout;
  private session?: SshSession;
  private readonly token = randomUUID();
  state: AppState = { retained: [] };
  /** What served when this run took the lock. */
  before?: Release;
  /** Whether this run switched the proxy on this host (and so must switch it back on undo). */
  switched = false;
  result?: AuditResult;
  error?: string;
  readonly timings = { startedAt: Date.now(), pullMs: 0, preSwitchMs: 0, switchMs: 0, finishedAt: 0 };

  constructor(
    readonly target: HostTarget,
    private readonly ctx: HostContext,
  ) {
    this.label = formatHost(target);
    this.layout = plan.appLayout(ctx.settings.root, ctx.settings.app);
  }

  private get s(): HostSettings {
    return this.ctx.settings;
  }

  private exec(argv: string[], options?: Parameters<SshSession['exec']>[1]) {
    if (!this.session) throw new Error(`${this.label}: not connected`);
    return this.session.exec(argv, options);
  }

  private log(message: string): void {
    this.ctx.log(`[${this.label}] ${message}`);
  }

  /** Connects (host key pinned), takes the app's lock and reads its state. */
  async open(): Promise<void> {
    this.session = await SshSession.connect({
      target: this.target,
      username: this.ctx.username,
      privateKey: this.ctx.privateKey,
      knownHosts: this.ctx.knownHosts,
    });
    await this.exec(plan.prepareDirCommand(this.layout));
    await this.takeLock();
    this.state = parseState((await this.session.readFile(this.layout.state))?.toString('utf8'));
    this.before = this.state.current;
    this.log(`locked ${this.layout.lock}; serving ${this.before?.version ?? 'nothing yet'}`);
  }

  private async takeLock(): Promise<void> {
    const owner = JSON.stringify({
      token: this.token,
      actor: this.ctx.actor,
      run: this.ctx.run,
      runner: hostname(),
      pid: process.pid,
      since: new Date().toISOString(),
    });
    const deadline = Date.now() + this.s.lockTimeoutMs;
    let announced = false;
    for (;;) {
      const attempt = await this.exec(plan.lockCommand(this.layout, owner), { allowFailure: true });
      if (attempt.code === 0) return;
      if (attempt.code !== plan.LOCK_HELD_EXIT)
        throw new Error(`${this.label}: could not take the lock: ${attempt.stderr.trim()}`);
      const holder = describeHolder(attempt.stdout);
      if (!announced)
        this.log(`waiting up to ${formatDuration(this.s.lockTimeoutMs)} for the lock held by ${holder.text}`);
      announced = true;
      if (Date.now() >= deadline) throw new Error(lockHeldMessage(this.label, this.layout.lock, holder));
      await sleep(Math.min(2_000, Math.max(100, deadline - Date.now())));
    }
  }

  /** Logs in to the registry (when given credentials) and pulls the image. */
  async pull(
    image: string,
    registry?: { server: string; username: string; password: string },
  ): Promise<void> {
    const started = Date.now();
    if (registry)
      await this.exec(plan.loginCommand(this.s, registry.server, registry.username), {
        stdin: registry.password,
      });
    await this.exec(plan.pullCommand(this.s, image), { timeoutMs: 15 * 60_000 });
    this.timings.pullMs = Date.now() - started;
    this.log(`pulled ${image} in ${formatDuration(this.timings.pullMs)}`);
  }

  /** Writes the app's env file (mode 0600 before any byte is written). */
  async writeEnv(text: string): Promise<void> {
    await this.session!.writeFile(this.layout.env, text, { mode: 0o600 });
  }

  /**
   * Runs the deploy's pre-switch command (e.g. migrations) in a one-off container of the new image
   * with the app's env file. Throws with its last output lines when it fails; nothing is switched.
   */
  async runPreSwitch(version: string, image: string, command: { argv: string[]; timeoutMs: number }) {
    const started = Date.now();
    const name = plan.preSwitchName(this.s.app, version);
    const shown = `\`${command.argv.join(' ')}\``;
    const keeps = `nothing was switched and ${this.before?.version ?? 'nothing'} keeps serving`;
    // A container left by an interrupted run would block the name.
    await this.exec(plan.removeCommand(this.s, [name]), { allowFailure: true });
    this.log(`running the pre-switch command ${shown} in ${image}`);
    let result;
    try {
      result = await this.exec(plan.preSwitchCommand(this.s, version, image, this.layout.env, command.argv), {
        allowFailure: true,
        timeoutMs: command.timeoutMs,
      });
    } catch (error) {
      await this.exec(plan.removeCommand(this.s, [name]), { allowFailure: true });
      throw new Error(`the pre-switch command ${shown} did not finish (${errorMessage(error)}); ${keeps}.`);
    }
    const output = `${result.stdout}${result.stderr}`;
    if (result.code !== 0)
      throw new Error(
        `the pre-switch command ${shown} exited ${result.code}; ${keeps}. Its last output lines:\n${plan.lastLines(output)}`,
      );
    this.timings.preSwitchMs = Date.now() - started;
    this.ctx.showLogs(`${this.label}: output of the pre-switch command ${shown}`, output);
    this.log(`pre-switch command ${shown} succeeded in ${formatDuration(this.timings.preSwitchMs)}`);
  }

  /** Whether a retained release's container still exists here (rollback needs no pull). */
  async hasContainer(release: Release): Promise<boolean> {
    return (
      (await this.exec(plan.imageIdCommand(this.s, release.container), { allowFailure: true })).code === 0
    );
  }

  /**
   * Boots the target on the free slot, waits until it is healthy, switches the proxy to it,
   * lets in-flight requests drain and stops the release that served before.
   * Returns false when the target already serves (nothing to do).
   */
  async switchTo(target: Target, options: { undo?: boolean } = {}): Promise<boolean> {
    const started = Date.now();
    const old = this.state.current;
    const next = this.nextRelease(target);
    if (old?.container === next.container) {
      this.log(`${next.version} already serves; nothing to switch`);
      return false;
    }
    await this.boot(target, next);
    await this.waitHealthy(next);
    await this.switchProxy(next);
    if (!options.undo) this.switched = true;
    this.log(`proxy switched to ${next.container} on port ${next.port}`);
    this.state = afterSwitch(this.state, next);
    if (old) {
      await sleep(this.s.drainMs);
      const stopped = await this.exec(plan.stopCommand(this.s, old.container), { allowFailure: true });
      if (stopped.code !== 0) this.log(`warning: could not stop ${old.container}: ${stopped.stderr.trim()}`);
    }
    this.timings.switchMs = Date.now() - started;
    return true;
  }

  /** Switches back to what served before this run (the multi-host undo). */
  async undo(): Promise<void> {
    if (!this.switched || !this.before) return;
    const before = this.before;
    this.log(`switching back to ${before.version}`);
    try {
      await this.switchTo({ kind: 'retained', release: before }, { undo: true });
    } catch (error) {
      throw new Error(`switching back to ${before.version} failed: ${errorMessage(error)}`);
    }
    this.switched = false;
    this.result = 'undone';
  }

  private nextRelease(target: Target): Release {
    const port = plan.freeSlot(this.s.ports, this.state.current);
    const time = new Date().toISOString();
    if (target.kind === 'retained') return { ...target.release, port, time };
    return {
      version: target.version,
      image: target.image,
      port,
      container: plan.containerName(this.s.app, target.version),
      time,
      network: this.s.network,
      containerPort: this.s.containerPort,
      runArgs: this.s.runArgs,
    };
  }

  /** Starts the container for `next`: a retained one as it was when it still fits its slot, else recreated. */
  private async boot(target: Target, next: Release): Promise<void> {
    let image = next.image;
    if (target.kind === 'retained') {
      if (target.release.port === next.port) {
        await this.ensurePortFree(next.port);
        await this.exec(plan.startCommand(this.s, next.container));
        return;
      }
      // Its slot is taken by the current release: boot its image (by id, no pull) on the free slot.
      image = (await this.exec(plan.imageIdCommand(this.s, next.container))).stdout.trim();
    }
    await this.exec(plan.removeCommand(this.s, [next.container]), { allowFailure: true });
    await this.ensurePortFree(next.port);
    await this.exec(plan.runCommand(this.s, next, image, this.layout.env));
  }

  private async ensurePortFree(port: number): Promise<void> {
    const probe = await this.exec(plan.portProbeCommand(port), { allowFailure: true });
    if (probe.code !== plan.CURL_COULD_NOT_CONNECT) {
      throw new Error(
        `${this.label}: slot port ${port} is already in use by another process; free it or choose other \`ports\``,
      );
    }
  }

  private async waitHealthy(release: Release): Promise<void> {
    const deadline = Date.now() + this.s.healthTimeoutMs;
    let why = 'no answer yet';
    while (Date.now() < deadline) {
      const check = await this.exec(plan.healthCommand(this.s, release.port), { allowFailure: true });
      if (check.code === 0) return;
      why = check.stderr.trim() || `curl exit ${check.code}`;
      const running = await this.exec(plan.isRunningCommand(this.s, release.container), {
        allowFailure: true,
      });
      if (running.stdout.trim() === 'false') {
        why = 'the container exited';
        break;
      }
      await sleep(HEALTH_POLL_MS);
    }
    const logs = await this.exec(plan.logsCommand(this.s, release.container), { allowFailure: true });
    this.ctx.showLogs(
      `${this.label}: last log lines of ${release.container}`,
      `${logs.stdout}${logs.stderr}`,
    );
    await this.exec(plan.stopCommand(this.s, release.container, 5), { allowFailure: true });
    throw new Error(
      `${this.label}: ${release.container} did not answer ${this.s.healthPath} with 2xx within ${formatDuration(this.s.healthTimeoutMs)} (${why}); ` +
        `it was stopped and ${this.state.current?.version ?? 'nothing'} keeps serving. Its last log lines are printed above.`,
    );
  }

  /**
   * Points upstream.conf at `release`, tests and reloads the proxy. On any failure after the file
   * was replaced, the old file is put back and `release` stopped, so the failing host is left as it
   * was: the fleet undo only switches back the hosts that completed their switch.
   */
  private async switchProxy(release: Release): Promise<void> {
    const previous = await this.session!.readFile(this.layout.upstream);
    await this.writeUpstream(plan.upstreamConf(this.s, release));
    const failure = await this.testAndReloadProxy();
    if (!failure) return;

    if (previous) await this.writeUpstream(previous);
    else await this.session!.remove(this.layout.upstream);
    // In case the failed reload took effect after all, load the restored file (best effort).
    if (failure.reloadTried) await this.exec(this.s.proxyReload, { allowFailure: true });
    await this.exec(plan.stopCommand(this.s, release.container, 5), { allowFailure: true });
    throw new Error(
      `${this.label}: ${failure.why}; upstream.conf was restored and ${release.container} stopped:\n${failure.output.trim().slice(-1500)}`,
    );
  }

  /** Runs `proxy-test`, then `proxy-reload`; describes the first failure, if any. */
  private async testAndReloadProxy(): Promise<
    { why: string; output: string; reloadTried: boolean } | undefined
  > {
    let reloadTried = false;
    try {
      const test = await this.exec(this.s.proxyTest, { allowFailure: true });
      if (test.code !== 0) {
        const why = `the proxy rejected the new configuration (${this.s.proxyTest.join(' ')} exited ${test.code})`;
        return { why, output: test.stderr, reloadTried };
      }
      reloadTried = true;
      const reload = await this.exec(this.s.proxyReload, { allowFailure: true });
      if (reload.code !== 0) {
        const why = `the proxy reload failed (${this.s.proxyReload.join(' ')} exited ${reload.code})`;
        return { why, output: reload.stderr, reloadTried };
      }
      return undefined;
    } catch (error) {
      return { why: 'the proxy could not be tested or reloaded', output: errorMessage(error), reloadTried };
    }
  }

  /** Replaces upstream.conf atomically (temp file + rename). */
  private async writeUpstream(text: string | Buffer): Promise<void> {
    await this.session!.writeFile(this.layout.upstreamTmp, text, { mode: 0o644 });
    await this.session!.rename(this.layout.upstreamTmp, this.layout.upstream);
  }

  /** Previous successful release other than the current one, from the audit log. */
  async auditHistory(): Promise<AuditEntry[]> {
    return parseAuditLog((await this.session!.readFile(this.layout.log))?.toString('utf8'));
  }

  /** Saves state, prunes old releases, appends the audit entry and releases the lock. */
  async close(
    entry: Omit<AuditEntry, 'time' | 'host' | 'result' | 'durationMs' | 'actor' | 'app' | 'run'>,
  ): Promise<void> {
    this.timings.finishedAt = Date.now();
    const session = this.session;
    if (!session) return;
    try {
      if (this.state.current !== this.before || this.result === 'undone') await this.saveState(session);
      const line = auditLine({
        time: new Date().toISOString(),
        action: entry.action,
        actor: this.ctx.actor,
        app: this.s.app,
        version: entry.version,
        previous: entry.previous,
        image: entry.image,
        host: this.label,
        result: this.result ?? 'failed',
        durationMs: this.timings.finishedAt - this.timings.startedAt,
        run: this.ctx.run,
        ...(this.error ? { error: this.error.slice(0, 500) } : {}),
      });
      await this.exec(plan.appendLogCommand(this.layout), { stdin: line });
    } finally {
      await this.exec(plan.unlockCommand(this.layout, this.token), { allowFailure: true });
      session.close();
      this.session = undefined;
    }
  }

  private async saveState(session: SshSession): Promise<void> {
    const { state, removed } = prune(this.state, this.s.keepReleases);
    if (removed.length > 0) await this.removeReleases(state, removed);
    this.state = state;
    const tmp = `${this.layout.state}.tmp`;
    await session.writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
    await session.rename(tmp, this.layout.state);
    await session.writeFile(`${this.layout.current}.tmp`, `${state.current?.version ?? ''}\n`, {
      mode: 0o644,
    });
    await session.rename(`${this.layout.current}.tmp`, this.layout.current);
  }

  /**
   * Removes the containers of pruned releases, then their images unless a kept release uses them
   * (the engine also refuses an image any other container uses). Failures are warnings only.
   */
  private async removeReleases(kept: AppState, removed: Release[]): Promise<void> {
    const prunedImages = await this.imageIds(removed.map((r) => r.container));
    const rm = await this.exec(
      plan.removeCommand(
        this.s,
        removed.map((r) => r.container),
      ),
      { allowFailure: true },
    );
    if (rm.code !== 0) {
      this.log(`warning: could not remove old releases: ${rm.stderr.trim()}`);
      return;
    }
    this.log(
      `removed old releases ${removed.map((r) => r.version).join(', ')} (keeping ${this.s.keepReleases})`,
    );
    const keptReleases = [...(kept.current ? [kept.current] : []), ...kept.retained];
    const keptImages = await this.imageIds(keptReleases.map((r) => r.container));
    for (const id of plan.imagesToRemove(prunedImages, keptImages)) {
      const image = await this.exec(plan.imageRemoveCommand(this.s, id), { allowFailure: true });
      if (image.code === 0) this.log(`removed image ${id.slice(0, 12)}`);
      else this.log(`warning: could not remove image ${id.slice(0, 12)}: ${image.stderr.trim()}`);
    }
  }

  /** Image ids of the containers that exist (missing ones are skipped). */
  private async imageIds(containers: string[]): Promise<string[]> {
    if (containers.length === 0) return [];
    const inspect = await this.exec(plan.imageIdCommand(this.s, ...containers), { allowFailure: true });
    return inspect.stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  }
}

interface Holder {
  text: string;
  ageMs?: number;
}

function describeHolder(ownerRecord: string): Holder {
  try {
    const owner = JSON.parse(ownerRecord) as {
      actor?: string;
      run?: string;
      runner?: string;
      pid?: number;
      since?: string;
    };
    const ageMs = owner.since ? Date.now() - Date.parse(owner.since) : undefined;
    const ago = ageMs === undefined ? '' : `, ${formatDuration(ageMs)} ago`;
    return {
      text: `${owner.actor ?? '?'} (run ${owner.run ?? '?'} on ${owner.runner ?? '?'} pid ${owner.pid ?? '?'}, since ${owner.since ?? '?'}${ago})`,
      ageMs,
    };
  } catch {
    return {
      text: 'an unknown owner (no readable owner record: a run may be taking it right now, or one died)',
    };
  }
}

function lockHeldMessage(label: string, lock: string, holder: Holder): string {
  const stale = holder.ageMs === undefined || holder.ageMs > STALE_LOCK_MS;
  const hint = stale
    ? ` It looks STALE (older than ${formatDuration(STALE_LOCK_MS)} or unreadable). It was not broken: check that no deploy is running, then follow "Recovering from a stale lock" in docs/DEPLOY.md.`
    : ' Another deploy is probably running; retry when it has finished, or raise `lock-timeout`.';
  return `${label}: the deploy lock ${lock} is held by ${holder.text}.${hint}`;
}
