/**
 * Argv builders for the three engines. Pure: they say what to run; main.ts runs it.
 * Every command starts with the engine's prefix: its name plus the global flags the
 * user gave (`--storage-driver vfs --root ...` for buildah/podman, `--host ...` for docker).
 */
export type EngineName = 'docker' | 'buildah' | 'podman';
export const ENGINES = ['auto', 'docker', 'buildah', 'podman'] as const;

export interface Engine {
  name: EngineName;
  /** `[name, ...global flags]`. */
  prefix: string[];
}

export interface BuildSpec {
  context: string;
  file: string;
  refs: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Where the engine writes the built image's ID. */
  iidFile: string;
  /** Pull base images without TLS verification (buildah/podman), as `insecure-registry` says. */
  insecure: boolean;
}

export interface RegistryAccess {
  /** Credentials live here for this step only: a docker config dir, or an auth file for buildah/podman. */
  credentials?: string;
  /** Plain HTTP / unverified TLS (buildah and podman; docker reads this from its daemon config). */
  insecure: boolean;
}

export function buildArgv(engine: Engine, spec: BuildSpec): string[] {
  const argv = [...engine.prefix, 'build', '--file', spec.file, '--iidfile', spec.iidFile];
  // buildah and podman default to the OCI format, which has no HEALTHCHECK: ask for Docker's.
  if (engine.name !== 'docker') argv.push('--format', 'docker', ...tlsVerify(spec));
  for (const ref of spec.refs) argv.push('--tag', ref);
  for (const [key, value] of Object.entries(spec.buildArgs)) argv.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(spec.labels)) argv.push('--label', `${key}=${value}`);
  argv.push(spec.context);
  return argv;
}

/** Login that reads the password from stdin (`--password-stdin`): it never appears in argv or `ps`. */
export function loginArgv(
  engine: Engine,
  registry: string,
  username: string,
  access: RegistryAccess,
): string[] {
  if (engine.name === 'docker')
    return [...dockerPrefix(engine, access), 'login', '--username', username, '--password-stdin', registry];
  return [
    ...engine.prefix,
    'login',
    ...registryFlags(access),
    '--username',
    username,
    '--password-stdin',
    registry,
  ];
}

/** Pushes one tag; buildah and podman write the pushed manifest's digest to `digestFile`. */
export function pushArgv(engine: Engine, ref: string, access: RegistryAccess, digestFile: string): string[] {
  if (engine.name === 'docker') return [...dockerPrefix(engine, access), 'push', ref];
  return [
    ...engine.prefix,
    'push',
    ...registryFlags(access),
    '--digestfile',
    digestFile,
    ref,
    `docker://${ref}`,
  ];
}

/**
 * Reads the image's size. docker and podman report the uncompressed size directly;
 * buildah prints its stored manifest, whose layer sizes are uncompressed tar sizes.
 */
export function inspectArgv(engine: Engine, imageId: string): string[] {
  if (engine.name === 'buildah')
    return [...engine.prefix, 'inspect', '--type', 'image', '--format', '{{.Manifest}}', imageId];
  return [...engine.prefix, 'image', 'inspect', '--format', '{{.Size}}', imageId];
}

/** Parses `inspectArgv`'s output into bytes; undefined when it is not what was expected. */
export function parseSize(engine: Engine, output: string): number | undefined {
  const text = output.trim();
  if (engine.name !== 'buildah') return /^\d+$/.test(text) ? Number(text) : undefined;
  try {
    const manifest = JSON.parse(text) as { layers?: { size?: unknown }[] };
    const sizes = (manifest.layers ?? []).map((layer) => layer.size);
    if (!sizes.every((size): size is number => typeof size === 'number')) return undefined;
    return sizes.reduce((sum, size) => sum + size, 0);
  } catch {
    return undefined;
  }
}

/** docker push prints `<tag>: digest: sha256:... size: 1234` at the end. */
export function parseDockerPushDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
}

function dockerPrefix(engine: Engine, access: RegistryAccess): string[] {
  // `--config` is a global flag: it must come before the subcommand.
  return access.credentials ? [...engine.prefix, '--config', access.credentials] : engine.prefix;
}

/** buildah's and podman's flags for the registry: this step's auth file, and TLS verification. */
function registryFlags(access: RegistryAccess): string[] {
  return [...(access.credentials ? ['--authfile', access.credentials] : []), ...tlsVerify(access)];
}

function tlsVerify(access: { insecure: boolean }): string[] {
  return access.insecure ? ['--tls-verify=false'] : [];
}
