// The deploy lock on a host (Kamal's): an atomic `mkdir` of `<root>/<app>/lock` with an owner record
// inside; waited for up to `lock-timeout`, never broken by a run, released only by its owner.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { formatDuration } from '../action/duration';
import { sleep } from '../system/retry';
import { LOCK_HELD_EXIT, lockCommand, unlockCommand } from './plan';
import type { Remote } from './remote';

/** Who takes the lock: shown to a run that finds it held. */
export interface LockOwner {
  actor: string;
  run: string;
}

const STALE_LOCK_MS = 60 * 60 * 1000;

export class HostLock {
  /** In the owner record, so only this run's release removes the lock. */
  private readonly token = randomUUID();

  constructor(
    private readonly remote: Remote,
    private readonly owner: LockOwner,
  ) {}

  /** Takes the lock, waiting up to the lock timeout for another run to release it. */
  async take(): Promise<void> {
    const { remote } = this;
    const record = JSON.stringify({
      token: this.token,
      actor: this.owner.actor,
      run: this.owner.run,
      runner: hostname(),
      pid: process.pid,
      since: new Date().toISOString(),
    });
    const timeoutMs = remote.settings.lockTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    let announced = false;
    for (;;) {
      const attempt = await remote.exec(lockCommand(remote.layout, record), { allowFailure: true });
      if (attempt.code === 0) return;
      if (attempt.code !== LOCK_HELD_EXIT)
        throw new Error(`${remote.label}: could not take the lock: ${attempt.stderr.trim()}`);
      const holder = describeHolder(attempt.stdout);
      if (!announced)
        remote.log(`waiting up to ${formatDuration(timeoutMs)} for the lock held by ${holder.text}`);
      announced = true;
      if (Date.now() >= deadline) throw new Error(lockHeldMessage(remote.label, remote.layout.lock, holder));
      await sleep(Math.min(2_000, Math.max(100, deadline - Date.now())));
    }
  }

  /** Releases the lock if this run still owns it (the owner record holds its token). */
  async release(): Promise<void> {
    await this.remote.exec(unlockCommand(this.remote.layout, this.token), { allowFailure: true });
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
