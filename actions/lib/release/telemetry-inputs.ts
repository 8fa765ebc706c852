import type { Inputs } from '../action/inputs';
import { LOG_DRIVER, LOG_SIZE } from './container-logs';
import { readPortPair } from './inputs';
import type { LogRotation, MetricsSlots } from './types';

const ENV_LABEL = {
  pattern: /^[a-z][a-z0-9-]{0,31}$/,
  expected: 'a label such as `staging` or `production`',
};

/** deploy-ssh's `log-driver`, `log-max-size` and `log-max-files`. */
export function readLogRotation(inputs: Inputs): LogRotation {
  return {
    driver: inputs.optional('log-driver', LOG_DRIVER) ?? '',
    maxSize: inputs.optional('log-max-size', LOG_SIZE) ?? '',
    maxFiles: inputs.integer('log-max-files', { min: 1, max: 100 }),
  };
}

/**
 * deploy-ssh's `metrics-ports` (empty: no metrics target) and `metrics-env`. The metrics ports must
 * differ from the app's ports (`taken`: the slot ports and the container port).
 */
export function readMetricsSlots(inputs: Inputs, taken: number[]): MetricsSlots | undefined {
  const env = inputs.optional('metrics-env', ENV_LABEL) ?? '';
  if (!inputs.raw('metrics-ports')) return undefined;
  const ports = readPortPair(inputs, 'metrics-ports');
  if (ports.some((p) => taken.includes(p)))
    inputs.problem('metrics-ports', 'must differ from `ports` and `container-port`');
  return { ports, env };
}
