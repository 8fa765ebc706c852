import type { Core } from '../../common/src/core';
import { Inputs } from '../../common/src/inputs';

export interface EnvValidateInputs {
  schemaPath: string;
  envFile?: string;
  environment?: string;
  allowExtra: boolean;
}

export function readInputs(core: Core): EnvValidateInputs {
  const inputs = new Inputs(core);
  const result: EnvValidateInputs = {
    schemaPath: inputs.required('schema'),
    envFile: inputs.optional('env-file'),
    environment: inputs.optional('environment', undefined, {
      pattern: /^[A-Za-z0-9._-]{1,64}$/,
      expected: 'letters, digits, `.`, `_` or `-` (at most 64)',
    }),
    allowExtra: inputs.boolean('allow-extra', true),
  };
  inputs.done();
  return result;
}
