import type { Core } from '../../lib/action/core';
import { Inputs, RULES } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { readFleetInputs, type FleetInputs } from '../../lib/release/inputs';

export interface RollbackInputs extends FleetInputs {
  /** The version to switch to; undefined means the previous successful release in the audit log. */
  version?: string;
}

export function readInputs(core: Core): RollbackInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const fleet = readFleetInputs(inputs);
  const version = inputs.optional('version', RULES.version);
  inputs.done();
  return { ...fleet, ...(version ? { version } : {}) };
}
