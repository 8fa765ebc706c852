import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { maskSecret } from '../../lib/action/secrets';
import { IMAGE_REF, REGISTRY } from '../../lib/image/image-name';
import { engineEnvFile, envValues } from '../../lib/release/env-file';
import { readFleetInputs, type FleetInputs } from '../../lib/release/inputs';
import { readLogRotation, readMetricsSlots } from '../../lib/release/telemetry-inputs';
import type { PreSwitchCommand, RegistryLogin } from '../../lib/release/pre-switch';
import type { ImageTarget } from '../../lib/release/types';

export interface DeployInputs extends FleetInputs {
  target: ImageTarget;
  /** The engine env file text (KEY=value lines). */
  envFile: string;
  registry?: RegistryLogin;
  /** Run once per deploy on the first host, in a one-off container of the new image, before any switch. */
  preSwitch?: PreSwitchCommand;
}

export function readInputs(core: Core): DeployInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const fleet = readFleetInputs(inputs);
  const env = inputs.secret('env') ?? '';
  for (const value of env ? envValues(env) : []) maskSecret(core, value);
  let envFile = '';
  try {
    envFile = env ? engineEnvFile(env).text : '';
  } catch (error) {
    inputs.problem('env', (error as Error).message.replace(/^`env` /, ''));
  }
  const containerPort = inputs.integer('container-port', { min: 1, max: 65_535 });
  const metrics = readMetricsSlots(inputs, [...fleet.settings.ports, containerPort]);
  const result: DeployInputs = {
    ...fleet,
    target: {
      kind: 'image',
      image: inputs.required('image', {
        pattern: IMAGE_REF,
        expected:
          'an image reference such as `registry.example.com/team/app@sha256:<64 hex>` or `…/app:1.2.3`',
      }),
      version: inputs.required('version', RULES.version),
      run: {
        network: inputs.oneOf('network', ['bridge', 'host'] as const),
        containerPort,
        runArgs: inputs.words('run-args', { allowEmpty: true }),
        logs: readLogRotation(inputs),
        ...(metrics ? { metrics } : {}),
      },
    },
    envFile,
    registry: readRegistry(inputs),
    preSwitch: readPreSwitch(inputs),
  };
  inputs.done();
  return result;
}

function readRegistry(inputs: Inputs): RegistryLogin | undefined {
  const server = inputs.optional('registry', {
    pattern: REGISTRY,
    expected: 'a registry host such as `ghcr.io` or `127.0.0.1:5000`',
  });
  const username = inputs.optional('registry-username', {
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

function readPreSwitch(inputs: Inputs): PreSwitchCommand | undefined {
  const argv = inputs.words('pre-switch-command', { allowEmpty: true });
  const timeoutMs = inputs.duration('pre-switch-timeout', { minMs: 1_000, maxMs: 6 * 3_600_000 });
  return argv.length > 0 ? { argv, timeoutMs } : undefined;
}
