import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { readBackupInputs, type BackupInputs } from '../../lib/backup/inputs';

export function readInputs(core: Core): BackupInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const result = readBackupInputs(inputs, core);
  inputs.done();
  return result;
}
