// The live slot's metrics for Prometheus: each slot serves METRICS_PORT on its own port (paired with
// its app port), and at every switch `<root>/metrics-targets/<app>.json` (file_sd) is replaced
// atomically, so Prometheus scrapes the release that serves and never a stopped one.
import type { Remote } from './remote';
import type { HostSettings, Release } from './types';

/** Slot labels, in the order of the `ports` pair. */
export const SLOTS = ['blue', 'green'] as const;

const slotIndex = (s: HostSettings, release: Release) => (release.port === s.ports[1] ? 1 : 0);

export const slotName = (s: HostSettings, release: Release) => SLOTS[slotIndex(s, release)];

/** The release's metrics port on the host: the one paired with its slot port; undefined without metrics. */
export function metricsPort(s: HostSettings, release: Release): number | undefined {
  return release.metrics?.ports[slotIndex(s, release)];
}

/**
 * `run` flags that make the app serve its metrics on the slot's metrics port: with `host` networking
 * it listens there itself (on loopback, the app's default METRICS_HOST); with `bridge` it listens on
 * the container's interface and the port is published on the host's loopback only.
 */
export function metricsRunArgs(s: HostSettings, release: Release): string[] {
  const port = metricsPort(s, release);
  if (port === undefined) return [];
  const env = ['--env', `METRICS_PORT=${port}`];
  if (release.network === 'host') return env;
  return [...env, '--env', 'METRICS_HOST=0.0.0.0', '--publish', `127.0.0.1:${port}:${port}`];
}

/** Where the target file lives: one directory for every app, read by Prometheus as `*.json`. */
export function metricsTargetPaths(root: string, app: string) {
  const dir = `${root.replace(/\/+$/, '')}/metrics-targets`;
  // The temporary name does not match `*.json`, so Prometheus never reads a half-written file.
  return { dir, file: `${dir}/${app}.json`, tmp: `${dir}/.${app}.json.tmp` };
}

/** The file_sd JSON for `release`, or undefined when it serves no metrics. */
export function metricsTargetJson(s: HostSettings, release: Release): string | undefined {
  const port = metricsPort(s, release);
  if (port === undefined || !release.metrics) return undefined;
  const labels = {
    app: s.app,
    env: release.metrics.env,
    version: release.version,
    slot: slotName(s, release),
  };
  return `${JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels }], null, 2)}\n`;
}

/**
 * Points the app's target file at `release` (temp file + rename). A release without metrics removes
 * the file, so no target is left pointing at a slot that is about to stop.
 */
export async function publishMetricsTarget(remote: Remote, release: Release): Promise<void> {
  const { settings, session } = remote;
  const paths = metricsTargetPaths(settings.root, settings.app);
  const json = metricsTargetJson(settings, release);
  if (!json) {
    await session.remove(paths.file);
    return;
  }
  await remote.exec(['mkdir', '-p', '--', paths.dir]);
  await session.writeFile(paths.tmp, json, { mode: 0o644 });
  await session.rename(paths.tmp, paths.file);
  remote.log(
    `metrics target ${paths.file}: 127.0.0.1:${metricsPort(settings, release)} (slot ${slotName(settings, release)}, version ${release.version})`,
  );
}
