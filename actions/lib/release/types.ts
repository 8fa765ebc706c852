// The deploy domain's types: how an app runs on a host, the releases it has, what is recorded.

/** How an app is run on every host of a fleet (from the action's inputs). */
export interface HostSettings {
  app: string;
  /** Deploy root on the host; the app lives in `<root>/<app>/`. */
  root: string;
  /** Container CLI with its global flags, e.g. `['docker']` or `['sudo', '-n', 'podman', '--root', ...]`. */
  engine: string[];
  /** The two slot ports on 127.0.0.1: the new release takes the one the current one does not use. */
  ports: [number, number];
  healthPath: string;
  healthTimeoutMs: number;
  /**
   * A URL through the proxy whose JSON answer names the serving version (`{"version": ...}`),
   * probed on the host after the reload until the new version answers (within healthTimeoutMs);
   * otherwise the switch is reverted. Undefined: the reload's exit code is all that is checked.
   */
  verifyUrl?: URL;
  proxyReload: string[];
  proxyTest: string[];
  drainMs: number;
  keepReleases: number;
  lockTimeoutMs: number;
}

/** How a release's container is run; recorded with the release, so a rollback boots it the same way. */
export interface ContainerRun {
  /** `bridge` publishes the slot port to `containerPort`; `host` passes the slot port as `PORT`. */
  network: 'bridge' | 'host';
  containerPort: number;
  /** Extra `run` flags (plain words), e.g. `--ulimit nofile=1024:1024`. */
  runArgs: string[];
  /** The engine's log driver and rotation (absent in releases recorded before it existed). */
  logs?: LogRotation;
  /** Where the release serves its metrics, published for Prometheus; absent: no metrics target. */
  metrics?: MetricsSlots;
}

/** `--log-driver <driver> --log-opt max-size=<maxSize> --log-opt max-file=<maxFiles>`. */
export interface LogRotation {
  driver: string;
  /** e.g. `10m` (k, m or g). */
  maxSize: string;
  maxFiles: number;
}

/** A metrics port per slot (paired with `HostSettings.ports`) and the `env` label of the target. */
export interface MetricsSlots {
  ports: [number, number];
  env: string;
}

/** One release as it runs (or ran) on a host. */
export interface Release extends ContainerRun {
  version: string;
  /** The image reference deployed (a rollback boots the retained container's image by id). */
  image: string;
  port: number;
  container: string;
  /** ISO time the release was switched in. */
  time: string;
  /**
   * The release's own env file (`<root>/<app>/env/<version>.env`): a rollback that recreates its
   * container runs it with the environment it was deployed with. Absent in releases recorded before
   * env files were per release; those use the app's former `app.env`.
   */
  envFile?: string;
}

/** A deploy's new release: an image to run as `version`. */
export interface ImageTarget {
  kind: 'image';
  version: string;
  image: string;
  run: ContainerRun;
}

/** What to switch in: a fresh image (deploy) or a retained release (rollback, undo). */
export type Target = ImageTarget | { kind: 'retained'; release: Release };

/** Where an app's files live on a host (see docs/DEPLOY.md). */
export interface AppLayout {
  dir: string;
  lock: string;
  log: string;
  current: string;
  state: string;
  upstream: string;
  upstreamTmp: string;
  /** The env file of releases recorded before env files were per release. */
  env: string;
  /** Directory of the per-release env files (mode 0700). */
  envDir: string;
}

/** `<root>/<app>/state.json`: what serves now and which stopped releases are kept for rollback. */
export interface AppState {
  current?: Release;
  /** Stopped releases, newest first; their containers (and so their images) are kept on the host. */
  retained: Release[];
}

export type AuditResult = 'success' | 'failed' | 'undone' | 'unchanged';

/** One line of `<root>/<app>/releases.log` (JSON lines, append-only). */
export interface AuditEntry {
  time: string;
  action: 'deploy' | 'rollback';
  actor: string;
  app: string;
  version: string;
  previous: string | null;
  image: string;
  host: string;
  result: AuditResult;
  durationMs: number;
  run?: string;
  error?: string;
}
