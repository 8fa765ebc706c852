import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';

export interface EnvValidateInputs {
  schemaPath: string;
  envFile?: string;
  environment?: string;
  allowExtra: boolean;
}

export function readInputs(core: Core): EnvValidateInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const result: EnvValidateInputs = {
    schemaPath: inputs.required('schema'),
    envFile: inputs.optional('env-file'),
    environment: inputs.optional('environment', {
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
      expected: 'letters, digits, `.`, `_` or `-` (at most 64)',
    }),
    allowExtra: inputs.boolean('allow-extra'),
  };
  inputs.done();
  return result;
}
