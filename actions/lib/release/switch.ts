// Switching a host to a release (Kamal's boot): boot the container on the free slot, wait until it is
// healthy, point the proxy at it (put back as it was on any failure), let in-flight requests drain
// and stop what served before.
import { formatDuration } from '../action/duration';
import { errorMessage } from '../action/run';
import { sleep } from '../system/retry';
import * as plan from './plan';
import type { Remote } from './remote';
import type { Release, Target } from './types';

const HEALTH_POLL_MS = 500;

/** The release `target` becomes on this host: on the slot port the current release does not use. */
export function nextRelease(remote: Remote, target: Target, current: Release | undefined): Release {
  const s = remote.settings;
  const port = plan.freeSlot(s.ports, current);
  const time = new Date().toISOString();
  if (target.kind === 'retained') return { ...target.release, port, time };
  return {
    version: target.version,
    image: target.image,
    port,
    container: plan.containerName(s.app, target.version),
    time,
    envFile: plan.releaseEnvFile(remote.layout, target.version),
    ...target.run,
  };
}

/**
 * Boots `next`, waits until it answers the health check and points the proxy at it. Throws with
 * the host left as it was (the new container stopped, the proxy unchanged) when any step fails.
 */
export async function bootAndSwitch(remote: Remote, target: Target, next: Release, serving?: string) {
  await boot(remote, target, next);
  await waitHealthy(remote, next, serving);
  await switchProxy(remote, next);
  remote.log(`proxy switched to ${next.container} on port ${next.port}`);
}

/** After the switch: gives in-flight requests `drain`, then stops the release that served before. */
export async function drainAndStop(remote: Remote, old: Release): Promise<void> {
  await sleep(remote.settings.drainMs);
  const stopped = await remote.exec(plan.stopCommand(remote.settings, old.container), { allowFailure: true });
  if (stopped.code !== 0) remote.log(`warning: could not stop ${old.container}: ${stopped.stderr.trim()}`);
}

/** Starts the container for `next`: a retained one as it was when it still fits its slot, else recreated. */
async function boot(remote: Remote, target: Target, next: Release): Promise<void> {
  const s = remote.settings;
  let image = next.image;
  if (target.kind === 'retained') {
    if (target.release.port === next.port) {
      await ensurePortFree(remote, next.port);
      await remote.exec(plan.startCommand(s, next.container));
      return;
    }
    // Its slot is taken by the current release: boot its image (by id, no pull) on the free slot.
    image = (await remote.exec(plan.imageIdCommand(s, next.container))).stdout.trim();
  }
  await remote.exec(plan.removeCommand(s, [next.container]), { allowFailure: true });
  await ensurePortFree(remote, next.port);
  // Its own env file: a retained release recreated here runs with the environment it was deployed with.
  await remote.exec(plan.runContainerCommand(s, next, image, plan.envFileOf(remote.layout, next)));
}

async function ensurePortFree(remote: Remote, port: number): Promise<void> {
  const probe = await remote.exec(plan.portProbeCommand(port), { allowFailure: true });
  if (probe.code !== plan.CURL_COULD_NOT_CONNECT) {
    throw new Error(
      `${remote.label}: slot port ${port} is already in use by another process; free it or choose other \`ports\``,
    );
  }
}

async function waitHealthy(remote: Remote, release: Release, serving: string | undefined): Promise<void> {
  const s = remote.settings;
  const deadline = Date.now() + s.healthTimeoutMs;
  let why = 'no answer yet';
  while (Date.now() < deadline) {
    const check = await remote.exec(plan.healthCommand(s, release.port), { allowFailure: true });
    if (check.code === 0) return;
    why = check.stderr.trim() || `curl exit ${check.code}`;
    const running = await remote.exec(plan.isRunningCommand(s, release.container), { allowFailure: true });
    if (running.stdout.trim() === 'false') {
      why = 'the container exited';
      break;
    }
    await sleep(HEALTH_POLL_MS);
  }
  const logs = await remote.exec(plan.logsCommand(s, release.container), { allowFailure: true });
  remote.showLogs(`last log lines of ${release.container}`, `${logs.stdout}${logs.stderr}`);
  await remote.exec(plan.stopCommand(s, release.container, 5), { allowFailure: true });
  throw new Error(
    `${remote.label}: ${release.container} did not answer ${s.healthPath} with 2xx within ${formatDuration(s.healthTimeoutMs)} (${why}); ` +
      `it was stopped and ${serving ?? 'nothing'} keeps serving. Its last log lines are printed above.`,
  );
}

/**
 * Points upstream.conf at `release`, tests and reloads the proxy. On any failure after the file
 * was replaced, the old file is put back and `release` stopped, so the failing host is left as it
 * was: the fleet undo only switches back the hosts that completed their switch.
 */
async function switchProxy(remote: Remote, release: Release): Promise<void> {
  const { session, layout, settings } = remote;
  const previous = await session.readFile(layout.upstream);
  await writeUpstream(remote, plan.upstreamConf(settings, release));
  const failure = (await testAndReloadProxy(remote)) ?? (await verifyThroughProxy(remote, release));
  if (!failure) return;

  if (previous) await writeUpstream(remote, previous);
  else await session.remove(layout.upstream);
  // In case the failed reload took effect after all, load the restored file (best effort).
  if (failure.reloadTried) await remote.exec(settings.proxyReload, { allowFailure: true });
  await remote.exec(plan.stopCommand(settings, release.container, 5), { allowFailure: true });
  throw new Error(
    `${remote.label}: ${failure.why}; upstream.conf was restored and ${release.container} stopped:\n${failure.output.trim().slice(-1500)}`,
  );
}

/** Runs `proxy-test`, then `proxy-reload`; describes the first failure, if any. */
async function testAndReloadProxy(
  remote: Remote,
): Promise<{ why: string; output: string; reloadTried: boolean } | undefined> {
  const { proxyTest, proxyReload } = remote.settings;
  let reloadTried = false;
  try {
    const test = await remote.exec(proxyTest, { allowFailure: true });
    if (test.code !== 0) {
      const why = `the proxy rejected the new configuration (${proxyTest.join(' ')} exited ${test.code})`;
      return { why, output: test.stderr, reloadTried };
    }
    reloadTried = true;
    const reload = await remote.exec(proxyReload, { allowFailure: true });
    if (reload.code !== 0) {
      const why = `the proxy reload failed (${proxyReload.join(' ')} exited ${reload.code})`;
      return { why, output: reload.stderr, reloadTried };
    }
    return undefined;
  } catch (error) {
    return { why: 'the proxy could not be tested or reloaded', output: errorMessage(error), reloadTried };
  }
}

/**
 * A reload that exits 0 may not have taken effect (nginx reloads asynchronously; a wrong site or
 * pid file): asks the proxy itself, through `verify-url`, until the new version answers.
 */
async function verifyThroughProxy(
  remote: Remote,
  release: Release,
): Promise<{ why: string; output: string; reloadTried: boolean } | undefined> {
  const url = remote.settings.verifyUrl;
  if (!url) return undefined;
  const deadline = Date.now() + remote.settings.healthTimeoutMs;
  let seen = 'no answer';
  do {
    const probe = await remote.exec(plan.verifyCommand(url), { allowFailure: true });
    const version = probe.code === 0 ? plan.answeredVersion(probe.stdout) : undefined;
    if (version === release.version) {
      remote.log(`${url.href} answers ${version} through the proxy`);
      return undefined;
    }
    seen = version ? `version ${version}` : probe.stderr.trim() || `curl exit ${probe.code}`;
    await sleep(HEALTH_POLL_MS);
  } while (Date.now() < deadline);
  const why = `the proxy did not serve ${release.version} at ${url.href} within ${formatDuration(remote.settings.healthTimeoutMs)} after the reload (last answer: ${seen})`;
  return { why, output: '', reloadTried: true };
}

/** Replaces upstream.conf atomically (temp file + rename). */
async function writeUpstream(remote: Remote, text: string | Buffer): Promise<void> {
  await remote.session.writeFile(remote.layout.upstreamTmp, text, { mode: 0o644 });
  await remote.session.rename(remote.layout.upstreamTmp, remote.layout.upstream);
}
