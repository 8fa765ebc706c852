// An app's releases on a host (Kamal's prune): the state file, the audit log, and removing the
// containers and images of releases beyond `keep-releases`.
import * as plan from './plan';
import type { Remote } from './remote';
import { auditLine, parseAuditLog, parseState, prune } from './state';
import type { AppState, AuditEntry, Release } from './types';

export async function readState(remote: Remote): Promise<AppState> {
  const file = `${remote.label}:${remote.layout.state}`;
  return parseState((await remote.session.readFile(remote.layout.state))?.toString('utf8'), file);
}

/** The audit log, oldest first (a torn last line is skipped). */
export async function readAuditLog(remote: Remote): Promise<AuditEntry[]> {
  return parseAuditLog((await remote.session.readFile(remote.layout.log))?.toString('utf8'));
}

export async function appendAudit(remote: Remote, entry: AuditEntry): Promise<void> {
  await remote.exec(plan.appendLogCommand(remote.layout), { stdin: auditLine(entry) });
}

/** Whether a retained release's container still exists here (rollback needs no pull). */
export async function hasContainer(remote: Remote, release: Release): Promise<boolean> {
  const inspect = await remote.exec(plan.imageIdCommand(remote.settings, release.container), {
    allowFailure: true,
  });
  return inspect.code === 0;
}

/**
 * Prunes releases beyond `keep-releases` (removing their containers and images), then writes
 * state.json and `current` atomically (temp file + rename). Returns the state saved.
 */
export async function saveState(remote: Remote, state: AppState): Promise<AppState> {
  const { state: kept, removed } = prune(state, remote.settings.keepReleases);
  if (removed.length > 0) await removeReleases(remote, kept, removed);
  const { session, layout } = remote;
  await session.writeFile(`${layout.state}.tmp`, `${JSON.stringify(kept, null, 2)}\n`, { mode: 0o644 });
  await session.rename(`${layout.state}.tmp`, layout.state);
  await session.writeFile(`${layout.current}.tmp`, `${kept.current?.version ?? ''}\n`, { mode: 0o644 });
  await session.rename(`${layout.current}.tmp`, layout.current);
  return kept;
}

/**
 * Removes the containers of pruned releases, then their images unless a kept release uses them
 * (the engine also refuses an image any other container uses). Failures are warnings only.
 */
async function removeReleases(remote: Remote, kept: AppState, removed: Release[]): Promise<void> {
  const s = remote.settings;
  const prunedImages = await imageIds(
    remote,
    removed.map((r) => r.container),
  );
  const rm = await remote.exec(
    plan.removeCommand(
      s,
      removed.map((r) => r.container),
    ),
    { allowFailure: true },
  );
  if (rm.code !== 0) {
    remote.log(`warning: could not remove old releases: ${rm.stderr.trim()}`);
    return;
  }
  remote.log(`removed old releases ${removed.map((r) => r.version).join(', ')} (keeping ${s.keepReleases})`);
  await removeEnvFiles(remote, kept, removed);
  const keptReleases = [...(kept.current ? [kept.current] : []), ...kept.retained];
  const keptImages = await imageIds(
    remote,
    keptReleases.map((r) => r.container),
  );
  for (const id of plan.imagesToRemove(prunedImages, keptImages)) {
    const image = await remote.exec(plan.imageRemoveCommand(s, id), { allowFailure: true });
    if (image.code === 0) remote.log(`removed image ${id.slice(0, 12)}`);
    else remote.log(`warning: could not remove image ${id.slice(0, 12)}: ${image.stderr.trim()}`);
  }
}

/** Removes the env files of pruned releases (they hold secrets), unless a kept release shares one. */
async function removeEnvFiles(remote: Remote, kept: AppState, removed: Release[]): Promise<void> {
  const keptFiles = new Set([kept.current, ...kept.retained].map((r) => r?.envFile));
  const files = removed.map((r) => r.envFile).filter((f): f is string => !!f && !keptFiles.has(f));
  if (files.length === 0) return;
  const rm = await remote.exec(plan.removeFilesCommand(files), { allowFailure: true });
  if (rm.code !== 0) remote.log(`warning: could not remove old env files: ${rm.stderr.trim()}`);
}

/** Image ids of the containers that exist (missing ones are skipped). */
async function imageIds(remote: Remote, containers: string[]): Promise<string[]> {
  if (containers.length === 0) return [];
  const inspect = await remote.exec(plan.imageIdCommand(remote.settings, ...containers), {
    allowFailure: true,
  });
  return inspect.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
