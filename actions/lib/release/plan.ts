// The plan: pure builders of the remote commands (argv arrays) and files of a deploy. Nothing here
// does I/O: the executor (host.ts, lock.ts, switch.ts, releases.ts) runs them through an SshSession,
// which quotes them for the remote shell.
import { logRunArgs } from './container-logs';
import { metricsRunArgs } from './metrics-target';
import type { AppLayout, HostSettings, ImageTarget, Release } from './types';

/** Where everything lives on the host (see docs/DEPLOY.md). */
export function appLayout(root: string, app: string): AppLayout {
  const dir = `${root.replace(/\/+$/, '')}/${app}`;
  return {
    dir,
    lock: `${dir}/lock`,
    log: `${dir}/releases.log`,
    current: `${dir}/current`,
    state: `${dir}/state.json`,
    upstream: `${dir}/upstream.conf`,
    // Does not match the `upstream*.conf` include glob, so nginx never reads a half-written file.
    upstreamTmp: `${dir}/.upstream.conf.tmp`,
    env: `${dir}/app.env`,
    envDir: `${dir}/env`,
  };
}

/** A release's own env file: written by its deploy, used by every boot of it, removed when it is pruned. */
export function releaseEnvFile(layout: AppLayout, version: string): string {
  return `${layout.envDir}/${version}.env`;
}

/** The env file a release runs with (releases recorded before per-release env files: `app.env`). */
export function envFileOf(layout: AppLayout, release: Pick<Release, 'envFile'>): string {
  return release.envFile ?? layout.env;
}

/** Creates the env directory readable by the deploy user only. */
export function prepareEnvDirCommand(layout: AppLayout): string[] {
  return ['mkdir', '-p', '-m', '0700', '--', layout.envDir];
}

export function removeFilesCommand(paths: string[]): string[] {
  return ['rm', '-f', '--', ...paths];
}

export const containerName = (app: string, version: string) => `${app}-${version}`;

/** Exit code of the lock command when another run holds the lock (its owner record is on stdout). */
export const LOCK_HELD_EXIT = 75;
/** curl's exit code for "could not connect": nothing listens on the port. */
export const CURL_COULD_NOT_CONNECT = 7;

export function prepareDirCommand(layout: AppLayout): string[] {
  return ['mkdir', '-p', '--', layout.dir];
}

/** Takes the lock: an atomic `mkdir`, then the owner record inside it. */
export function lockCommand(layout: AppLayout, owner: string): string[] {
  const script = `mkdir -- "$1" 2>/dev/null || { cat -- "$1/owner" 2>/dev/null; exit ${LOCK_HELD_EXIT}; }; printf '%s\\n' "$2" > "$1/owner"`;
  return ['sh', '-c', script, 'sh', layout.lock, owner];
}

/** Releases the lock only if this run still owns it (its token is in the owner record). */
export function unlockCommand(layout: AppLayout, token: string): string[] {
  const script = 'grep -qF -- "$2" "$1/owner" 2>/dev/null && rm -rf -- "$1"';
  return ['sh', '-c', script, 'sh', layout.lock, token];
}

export function appendLogCommand(layout: AppLayout): string[] {
  return ['sh', '-c', 'cat >> "$1"', 'sh', layout.log];
}

/**
 * Registry credentials live only for one pull, in a private directory of this run (`mktemp -d`:
 * mode 0700) that is removed afterwards: never in `~/.docker/config.json` or podman's auth file.
 * Docker takes the directory as its global `--config`; podman an `--authfile` inside it.
 */
export interface PullAuth {
  dir: string;
}

const AUTH_DIR_PREFIX = '/tmp/contextai-pull.';
export const makeAuthDirCommand = (): string[] => ['mktemp', '-d', `${AUTH_DIR_PREFIX}XXXXXXXX`];
export const removeAuthDirCommand = (auth: PullAuth): string[] => ['rm', '-rf', '--', auth.dir];

/**
 * Removes (and prints) the pull directories of this login user older than `minutes`: a run killed
 * mid-pull (cancelled job, lost runner) never reached its own removal. `minutes` must exceed the
 * pull timeout, so a concurrent run's directory is never touched; `-writable` skips other users'.
 */
export const sweepStaleAuthDirsCommand = (minutes: number): string[] => [
  'find',
  '/tmp',
  '-maxdepth',
  '1',
  '-type',
  'd',
  '-name',
  `${AUTH_DIR_PREFIX.slice('/tmp/'.length)}*`,
  '-writable',
  '-mmin',
  `+${minutes}`,
  '-print',
  '-exec',
  'rm',
  '-rf',
  '--',
  '{}',
  '+',
];

/** Whether the engine is podman (else docker's CLI flags apply). */
function isPodman(s: HostSettings): boolean {
  return s.engine.some((word) => /(^|\/)podman$/.test(word));
}

/** The engine with its credentials flag before (docker) or after (podman) the subcommand. */
function withAuth(s: HostSettings, subcommand: string, auth?: PullAuth): string[] {
  if (!auth) return [...s.engine, subcommand];
  if (isPodman(s)) return [...s.engine, subcommand, '--authfile', `${auth.dir}/auth.json`];
  return [...s.engine, '--config', auth.dir, subcommand];
}

export function loginCommand(s: HostSettings, registry: string, username: string, auth: PullAuth): string[] {
  return [...withAuth(s, 'login', auth), '--username', username, '--password-stdin', registry];
}

export function pullCommand(s: HostSettings, image: string, auth?: PullAuth): string[] {
  return [...withAuth(s, 'pull', auth), image];
}

/** Starts a release's container on its slot port, never pulling (deploy pulled already; rollback must not). */
export function runContainerCommand(
  s: HostSettings,
  release: Release,
  image: string,
  envFile: string,
): string[] {
  const network =
    release.network === 'host'
      ? hostNetworkFlags(release.port)
      : ['--publish', `127.0.0.1:${release.port}:${release.containerPort}`];
  return [
    ...s.engine,
    'run',
    '--detach',
    '--pull',
    'never',
    '--name',
    release.container,
    '--label',
    `contextai.app=${s.app}`,
    '--label',
    `contextai.version=${release.version}`,
    '--restart',
    'unless-stopped',
    '--env-file',
    envFile,
    ...network,
    ...metricsRunArgs(s, release),
    ...logRunArgs(release.logs),
    ...release.runArgs,
    image,
  ];
}

/**
 * Host network: the app listens on the slot port of the host itself, so it must bind loopback only
 * (the proxy in front holds TLS and the headers). HOST is the API's bind address, HOSTNAME the
 * Next.js server's (its image sets 0.0.0.0). `--env` comes after `--env-file`, so it wins over it.
 */
function hostNetworkFlags(port: number): string[] {
  return [
    '--network',
    'host',
    '--env',
    `PORT=${port}`,
    '--env',
    'HOST=127.0.0.1',
    '--env',
    'HOSTNAME=127.0.0.1',
  ];
}

/** The image id of (stopped) containers, one per line, so a rollback boots exactly what ran, without a pull. */
export function imageIdCommand(s: HostSettings, ...containers: string[]): string[] {
  return [...s.engine, 'container', 'inspect', '--format', '{{.Image}}', ...containers];
}

export function isRunningCommand(s: HostSettings, container: string): string[] {
  return [...s.engine, 'container', 'inspect', '--format', '{{.State.Running}}', container];
}

export function startCommand(s: HostSettings, container: string): string[] {
  return [...s.engine, 'start', container];
}

export function logsCommand(s: HostSettings, container: string, lines = 40): string[] {
  return [...s.engine, 'logs', '--tail', String(lines), container];
}

/** Graceful stop: SIGTERM, then SIGKILL after `graceSeconds`. */
export function stopCommand(s: HostSettings, container: string, graceSeconds = 30): string[] {
  return [...s.engine, 'stop', '--time', String(graceSeconds), container];
}

export function removeCommand(s: HostSettings, containers: string[]): string[] {
  return [...s.engine, 'rm', '--force', ...containers];
}

export function healthCommand(s: HostSettings, port: number): string[] {
  return [
    'curl',
    '-fsS',
    '-o',
    '/dev/null',
    '--max-time',
    '2',
    '--noproxy',
    '*',
    `http://127.0.0.1:${port}${s.healthPath}`,
  ];
}

/**
 * Fetches `verify-url` on the host, from the proxy on this host: a name is resolved to 127.0.0.1
 * (`--resolve`), so TLS is checked against the real name while no other host is asked.
 */
export function verifyCommand(url: URL): string[] {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const isIp = /^[\d.]+$/.test(url.hostname);
  const resolve = isIp ? [] : ['--resolve', `${url.hostname}:${port}:127.0.0.1`];
  return ['curl', '-fsS', '--max-time', '2', '--noproxy', '*', ...resolve, url.href];
}

/** The version a verify answer names (`{"version": "..."}`), if any. */
export function answeredVersion(body: string): string | undefined {
  try {
    const version = (JSON.parse(body) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Probes a slot port: exit 7 (could not connect) means it is free. */
export function portProbeCommand(port: number): string[] {
  return ['curl', '-s', '-o', '/dev/null', '--max-time', '2', '--noproxy', '*', `http://127.0.0.1:${port}/`];
}

/** The nginx `upstream` members for a release: included inside the site's `upstream {}` block. */
export function upstreamConf(s: HostSettings, release: Release): string {
  // max_fails=0: with a single member, one failed request must not mark it down (502s for 10 s).
  return `# managed by deploy-ssh: ${s.app} ${release.version} (${release.time})\nserver 127.0.0.1:${release.port} max_fails=0;\n`;
}

/** The slot port the next release takes: the one the current release does not use. */
export function freeSlot(ports: [number, number], current?: Release): number {
  return current?.port === ports[0] ? ports[1] : ports[0];
}

/** Name of the one-off container of a deploy's pre-switch command (removed by `--rm` when it ends). */
export const preSwitchName = (app: string, version: string) => `${app}-${version}-pre-switch`;

/**
 * Runs the pre-switch command (e.g. migrations) once, in a one-off container of the NEW image with
 * the app's env file and the same run flags and network as the release, without publishing a port.
 */
export function preSwitchCommand(
  s: HostSettings,
  target: ImageTarget,
  envFile: string,
  argv: string[],
): string[] {
  const network = target.run.network === 'host' ? ['--network', 'host'] : [];
  return [
    ...s.engine,
    'run',
    '--rm',
    '--pull',
    'never',
    '--name',
    preSwitchName(s.app, target.version),
    '--env-file',
    envFile,
    ...target.run.runArgs,
    ...network,
    target.image,
    ...argv,
  ];
}

/** The last `count` lines of a command's output, for an error message. */
export function lastLines(text: string, count = 20): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

export function imageRemoveCommand(s: HostSettings, imageId: string): string[] {
  return [...s.engine, 'image', 'rm', imageId];
}

/**
 * Images to remove after pruning releases: those of the pruned containers that no kept release
 * (current or retained) uses. Several versions can share one image (a redeploy under a new version).
 */
export function imagesToRemove(prunedImageIds: string[], keptImageIds: string[]): string[] {
  const kept = new Set(keptImageIds.filter(Boolean));
  return [...new Set(prunedImageIds.filter((id) => id && !kept.has(id)))];
}
