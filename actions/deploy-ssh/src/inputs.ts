import type { Core } from '../../common/src/core';
import { Inputs, PATTERNS } from '../../common/src/inputs';
import { maskSecret } from '../../common/src/secrets';
import { splitPlainWords } from '../../common/src/shell';
import { parseHost, parseKnownHosts, type HostTarget, type KnownHost } from '../../common/src/ssh';
import { engineEnvFile, envValues } from './env-file';
import type { HostSettings } from './plan';

/** Inputs shared by deploy-ssh and rollback: where to connect and how the host is laid out. */
export interface FleetInputs {
  hosts: HostTarget[];
  username: string;
  privateKey: string;
  knownHosts: KnownHost[];
  maxParallel: number;
  settings: HostSettings;
}

export interface DeployInputs extends FleetInputs {
  image: string;
  version: string;
  /** The engine env file text (KEY=value lines). */
  envFile: string;
  registry?: { server: string; username: string; password: string };
  /** Run once per deploy on the first host, in a one-off container of the new image, before any switch. */
  preSwitch?: { argv: string[]; timeoutMs: number };
}

const APP = { pattern: /^[a-z][a-z0-9-]{0,62}$/, expected: '`[a-z][a-z0-9-]*` (at most 63 characters)' };
const VERSION = { pattern: PATTERNS.version, expected: '1 to 64 of `A-Z a-z 0-9 . _ -`' };
/** `registry/name[:tag][@sha256:digest]`, lower-case path components as in the OCI distribution spec. */
const IMAGE = {
  pattern:
    /^[a-z0-9]+([._-][a-z0-9]+)*(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
  expected: 'an image reference such as `registry.example.com/team/app@sha256:<64 hex>` or `…/app:1.2.3`',
};
const ROOT = {
  pattern: /^\/[A-Za-z0-9._/-]*$/,
  expected: 'an absolute path of letters, digits, `.`, `_`, `-`, `/`',
};
const HEALTH_PATH = {
  pattern: /^\/[A-Za-z0-9._~/-]*$/,
  expected: 'a path such as `/health` (no query, no spaces)',
};
const REGISTRY = {
  pattern: /^[a-z0-9]+([.-][a-z0-9]+)*(:\d{1,5})?$/,
  expected: 'a registry host such as `ghcr.io` or `127.0.0.1:5000`',
};

export function readFleetInputs(inputs: Inputs): FleetInputs {
  const privateKey = inputs.secret('private-key', { required: true }) ?? '';
  const hosts = readHosts(inputs);
  const knownHosts = readKnownHosts(inputs);
  const app = inputs.required('app', APP);
  const root = inputs.optional('root', '/srv/deploy', ROOT) ?? '/srv/deploy';
  if (root.split('/').includes('..')) inputs.problem('root', 'must not contain `..`');
  const ports = readPorts(inputs);
  const settings: HostSettings = {
    app,
    root,
    engine: words(inputs, 'engine', 'docker'),
    network: inputs.oneOf('network', ['bridge', 'host'] as const, 'bridge'),
    runArgs: words(inputs, 'run-args', '', { allowEmpty: true }),
    ports,
    containerPort: inputs.integer('container-port', 3000, { min: 1, max: 65_535 }),
    healthPath: inputs.optional('health-path', '/health', HEALTH_PATH) ?? '/health',
    healthTimeoutMs: inputs.duration('health-timeout', '60s', { minMs: 1_000, maxMs: 3_600_000 }),
    proxyReload: words(inputs, 'proxy-reload', 'nginx -s reload'),
    proxyTest: words(inputs, 'proxy-test', 'nginx -t'),
    drainMs: inputs.duration('drain', '5s', { maxMs: 600_000 }),
    keepReleases: inputs.integer('keep-releases', 5, { min: 1, max: 100 }),
    lockTimeoutMs: inputs.duration('lock-timeout', '10m', { maxMs: 24 * 3_600_000 }),
  };
  return {
    hosts,
    username:
      inputs.optional('user', 'deploy', {
        pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
        expected: 'a Unix user name',
      }) ?? 'deploy',
    privateKey,
    knownHosts,
    maxParallel: inputs.integer('max-parallel', 1, { min: 1, max: 100 }),
    settings,
  };
}

export function readDeployInputs(core: Core): DeployInputs {
  const inputs = new Inputs(core);
  const fleet = readFleetInputs(inputs);
  const env = inputs.secret('env') ?? '';
  for (const value of env ? envValues(env) : []) maskSecret(core, value);
  let envFile = '';
  try {
    envFile = env ? engineEnvFile(env).text : '';
  } catch (error) {
    inputs.problem('env', (error as Error).message.replace(/^`env` /, ''));
  }
  const result: DeployInputs = {
    ...fleet,
    image: inputs.required('image', IMAGE),
    version: inputs.required('version', VERSION),
    envFile,
    registry: readRegistry(inputs),
    preSwitch: readPreSwitch(inputs),
  };
  inputs.done();
  return result;
}

function readHosts(inputs: Inputs): HostTarget[] {
  const raw = inputs.raw('hosts');
  const items = raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    inputs.problem('hosts', 'is required (one `host` or `host:port` per line, or comma-separated)');
  const targets: HostTarget[] = [];
  for (const item of items) {
    try {
      targets.push(parseHost(item));
    } catch (error) {
      inputs.problem('hosts', (error as Error).message);
    }
  }
  const seen = new Set(targets.map((t) => `${t.host}:${t.port}`));
  if (seen.size !== targets.length) inputs.problem('hosts', 'lists a host twice');
  return targets;
}

function readKnownHosts(inputs: Inputs): KnownHost[] {
  const text = inputs.raw('known-hosts');
  if (!text) {
    inputs.problem(
      'known-hosts',
      'is required: the OpenSSH known_hosts lines pinning every host key (ssh-keyscan, verified out of band)',
    );
    return [];
  }
  try {
    return parseKnownHosts(text);
  } catch (error) {
    inputs.problem('known-hosts', (error as Error).message);
    return [];
  }
}

function readPorts(inputs: Inputs): [number, number] {
  const text = inputs.raw('ports') || '3001,3002';
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ports = parts.map(Number);
  const valid =
    parts.length === 2 &&
    ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65_535) &&
    ports[0] !== ports[1];
  if (!valid) {
    inputs.problem('ports', 'must be two different TCP ports, e.g. `3001,3002`');
    return [3001, 3002];
  }
  return [ports[0]!, ports[1]!];
}

function readRegistry(inputs: Inputs): DeployInputs['registry'] {
  const server = inputs.optional('registry', undefined, REGISTRY);
  const username = inputs.optional('registry-username', undefined, {
    pattern: /^[^\s]{1,256}$/,
    expected: 'a user name without spaces',
  });
  const password = inputs.secret('registry-password');
  if (!username && !password) return undefined;
  if (!server || !username || !password) {
    inputs.problem(
      'registry',
      'login needs `registry`, `registry-username` and `registry-password` together',
    );
    return undefined;
  }
  return { server, username, password };
}

function readPreSwitch(inputs: Inputs): DeployInputs['preSwitch'] {
  const argv = words(inputs, 'pre-switch-command', '', { allowEmpty: true });
  const timeoutMs = inputs.duration('pre-switch-timeout', '15m', { minMs: 1_000, maxMs: 6 * 3_600_000 });
  return argv.length > 0 ? { argv, timeoutMs } : undefined;
}

/** A command prefix input split into argv; only plain words, so it reads the same everywhere. */
function words(
  inputs: Inputs,
  name: string,
  fallback: string,
  options: { allowEmpty?: boolean } = {},
): string[] {
  const text = inputs.raw(name) || fallback;
  if (!text && options.allowEmpty) return [];
  const argv = splitPlainWords(text);
  if (!argv) {
    inputs.problem(
      name,
      'must be plain words separated by spaces (letters, digits, `_@%+=:,./-`; no quotes or shell metacharacters)',
    );
    return [];
  }
  return argv;
}
