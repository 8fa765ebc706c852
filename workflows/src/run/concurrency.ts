import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** What holds a group: a whole run (workflow-level concurrency) or one job. */
export interface Holder {
  token: string;
  pid: number;
  /** `top level workflow` for a run, else the job's id (as GitHub names them in its messages). */
  label: string;
}

export interface ConcurrencyRequest {
  group: string;
  label: string;
  cancelInProgress: boolean;
  /** Tokens held by what this request runs inside (its run, the jobs that called its workflow). */
  ancestors: ReadonlySet<string>;
  /** Aborted when the requester itself is cancelled while it waits. */
  signal?: AbortSignal;
  /** Called once when the request starts waiting behind another holder. */
  onWait?: (holder: Holder) => void;
}

export type Acquired = { kind: 'held'; lease: Lease } | { kind: 'cancelled'; reason: string };

export const deadlockMessage = (group: string, holder: string, requester: string) =>
  `Canceling since a deadlock for concurrency group '${group}' was detected between '${holder}' and '${requester}'`;
export const replacedMessage = (group: string) =>
  `Canceling since a higher priority waiting request for '${group}' exists`;

const POLL_MS = 200;

/**
 * GitHub's concurrency groups: one table for the whole repository, shared by callers, called
 * workflows and every `pipeline run` on this machine (a directory per group). At most one holder
 * and one pending request per group: a newer pending request cancels the older one, and with
 * `cancel-in-progress: true` it also cancels the holder. A request for a group that the request's
 * own run (or a job that called its workflow) holds can never be granted: GitHub cancels it as a
 * deadlock, and so does this table.
 */
export class ConcurrencyTable {
  constructor(readonly dir = join(tmpdir(), 'pipeline-concurrency')) {}

  async acquire(request: ConcurrencyRequest): Promise<Acquired> {
    const group = this.groupDir(request.group);
    mkdirSync(group, { recursive: true });
    const token = randomUUID();
    let queued = false;
    for (;;) {
      if (this.tryHold(group, { token, pid: process.pid, label: request.label })) {
        this.clearPending(group, token);
        return { kind: 'held', lease: new Lease(group, token, request.group) };
      }
      const holder = readJson<Holder>(join(group, 'held', 'holder.json'));
      if (holder && !alive(holder.pid)) {
        rmSync(join(group, 'held'), { recursive: true, force: true });
        continue;
      }
      if (holder && request.ancestors.has(holder.token))
        return { kind: 'cancelled', reason: deadlockMessage(request.group, holder.label, request.label) };
      if (!queued) {
        queued = true;
        writeJson(join(group, 'pending.json'), { token, pid: process.pid });
        if (request.cancelInProgress && holder)
          writeFileSync(join(group, 'held', `cancel-${holder.token}`), replacedMessage(request.group));
        if (holder) request.onWait?.(holder);
      } else {
        const pending = readJson<{ token: string }>(join(group, 'pending.json'));
        if (pending && pending.token !== token)
          return { kind: 'cancelled', reason: replacedMessage(request.group) };
      }
      if (request.signal?.aborted) {
        this.clearPending(group, token);
        return { kind: 'cancelled', reason: String(request.signal.reason ?? 'cancelled') };
      }
      await sleep(POLL_MS);
    }
  }

  /** Who holds a group now (undefined: free). */
  holder(group: string): Holder | undefined {
    return readJson<Holder>(join(this.groupDir(group), 'held', 'holder.json'));
  }

  /** Whether a request waits for the group. */
  hasPending(group: string): boolean {
    return readJson(join(this.groupDir(group), 'pending.json')) !== undefined;
  }

  private groupDir(group: string): string {
    const safe = group.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
    return join(this.dir, `${safe}-${createHash('sha256').update(group).digest('hex').slice(0, 12)}`);
  }

  private tryHold(group: string, holder: Holder): boolean {
    try {
      mkdirSync(join(group, 'held'));
    } catch {
      return false;
    }
    writeJson(join(group, 'held', 'holder.json'), holder);
    return true;
  }

  private clearPending(group: string, token: string): void {
    if (readJson<{ token: string }>(join(group, 'pending.json'))?.token === token)
      rmSync(join(group, 'pending.json'), { force: true });
  }
}

/** A held group: released when the holder ends; watches for a newer request's cancel-in-progress. */
export class Lease {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly groupDir: string,
    readonly token: string,
    readonly group: string,
  ) {}

  /** Calls `cancel` (once) when a newer request with `cancel-in-progress: true` arrives. */
  watch(cancel: (reason: string) => void): void {
    const file = join(this.groupDir, 'held', `cancel-${this.token}`);
    this.timer = setInterval(() => {
      let reason: string;
      try {
        reason = readFileSync(file, 'utf8');
      } catch {
        return;
      }
      clearInterval(this.timer);
      cancel(reason);
    }, POLL_MS);
    this.timer.unref();
  }

  release(): void {
    clearInterval(this.timer);
    if (readJson<Holder>(join(this.groupDir, 'held', 'holder.json'))?.token === this.token)
      rmSync(join(this.groupDir, 'held'), { recursive: true, force: true });
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all (a reader never sees half a file). */
function writeJson(path: string, value: unknown): void {
  const partial = `${path}.${process.pid}.${randomUUID().slice(0, 8)}`;
  writeFileSync(partial, JSON.stringify(value));
  renameSync(partial, path);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
