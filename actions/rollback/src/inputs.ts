import type { Core } from '../../common/src/core';
import { Inputs, PATTERNS } from '../../common/src/inputs';
import { readFleetInputs, type FleetInputs } from '../../deploy-ssh/src/inputs';

export interface RollbackInputs extends FleetInputs {
  /** The version to switch to; undefined means the previous successful release in the audit log. */
  version?: string;
}

export function readRollbackInputs(core: Core): RollbackInputs {
  const inputs = new Inputs(core);
  const fleet = readFleetInputs(inputs);
  const version = inputs.optional('version', undefined, {
    pattern: PATTERNS.version,
    expected: '1 to 64 of `A-Z a-z 0-9 . _ -`',
  });
  inputs.done();
  return { ...fleet, ...(version ? { version } : {}) };
}
