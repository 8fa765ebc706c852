import { RULES, type Inputs } from '../action/inputs';
import { readSshTargets, type SshTargets } from '../ssh/inputs';
import type { HostSettings } from './types';

/** Inputs shared by deploy-ssh and rollback: where to connect and how the app runs on the hosts. */
export interface FleetInputs extends SshTargets {
  maxParallel: number;
  settings: HostSettings;
}

const ROOT = {
  pattern: /^\/[A-Za-z0-9._/-]*$/,
  expected: 'an absolute path of letters, digits, `.`, `_`, `-`, `/`',
};
const HEALTH_PATH = {
  pattern: /^\/[A-Za-z0-9._~/-]*$/,
  expected: 'a path such as `/health` (no query, no spaces)',
};

export function readFleetInputs(inputs: Inputs): FleetInputs {
  const ssh = readSshTargets(inputs);
  const app = inputs.required('app', RULES.name);
  const root = inputs.optional('root', ROOT) ?? '';
  if (root.split('/').includes('..')) inputs.problem('root', 'must not contain `..`');
  const settings: HostSettings = {
    app,
    root,
    engine: inputs.words('engine'),
    ports: readPortPair(inputs, 'ports'),
    healthPath: inputs.optional('health-path', HEALTH_PATH) ?? '',
    healthTimeoutMs: inputs.duration('health-timeout', { minMs: 1_000, maxMs: 3_600_000 }),
    verifyUrl: readVerifyUrl(inputs),
    proxyReload: inputs.words('proxy-reload'),
    proxyTest: inputs.words('proxy-test'),
    drainMs: inputs.duration('drain', { maxMs: 600_000 }),
    keepReleases: inputs.integer('keep-releases', { min: 1, max: 100 }),
    lockTimeoutMs: inputs.duration('lock-timeout', { maxMs: 24 * 3_600_000 }),
  };
  return { ...ssh, maxParallel: inputs.integer('max-parallel', { min: 1, max: 100 }), settings };
}

/** `verify-url`: http(s), no credentials, a plain path (it becomes a curl argument on the host). */
function readVerifyUrl(inputs: Inputs): URL | undefined {
  const text = inputs.optional('verify-url', {
    pattern: /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._~/-]*$/,
    expected:
      'a URL through the proxy such as `https://api.example.com/api/version` (no credentials, no query)',
  });
  return text ? new URL(text) : undefined;
}

/** Two different TCP ports, comma-separated (the slot pair of `ports`, `metrics-ports`). */
export function readPortPair(inputs: Inputs, name: string): [number, number] {
  const parts = inputs
    .raw(name)
    .split(/[\s,]+/)
    .filter(Boolean);
  const ports = parts.map(Number);
  const valid =
    parts.length === 2 &&
    ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65_535) &&
    ports[0] !== ports[1];
  if (!valid) {
    inputs.problem(name, 'must be two different TCP ports, e.g. `3001,3002`');
    return [0, 0];
  }
  return [ports[0]!, ports[1]!];
}
