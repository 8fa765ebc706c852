import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { readBackupInputs, type BackupInputs } from '../../lib/backup/inputs';
import { readPushTarget } from '../../lib/monitoring/inputs';
import type { PushTarget } from '../../lib/monitoring/run-metrics';

export interface DbBackupInputs extends BackupInputs {
  push?: PushTarget;
}

export function readInputs(core: Core): DbBackupInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const result = readBackupInputs(inputs, core);
  const push = readPushTarget(inputs, { kind: 'backup-kind' });
  inputs.done();
  return { ...result, push };
}
