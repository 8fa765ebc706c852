import type { Core } from '../../lib/action/core';
import { Inputs } from '../../lib/action/inputs';
import { actionDefaults, actionYmlOf } from '../../lib/action/metadata';
import { readSlackTarget } from '../../lib/alert/inputs';
import type { SlackTarget } from '../../lib/alert/slack';
import type { KeyObject } from 'node:crypto';
import type { DatabaseTarget } from '../../lib/backup/database-url';
import {
  ageIdentity,
  databaseUrl,
  manifestPublicKeys,
  storageInputs,
  type StorageInputs,
} from '../../lib/backup/inputs';
import { readPushTarget } from '../../lib/monitoring/inputs';
import type { PushTarget } from '../../lib/monitoring/run-metrics';

export interface DrillInputs extends StorageInputs {
  identity: string;
  publicKeys: KeyObject[];
  target: DatabaseTarget;
  jobs: number;
  slack?: SlackTarget;
  push?: PushTarget;
}

export function readInputs(core: Core): DrillInputs {
  const inputs = new Inputs(core, actionDefaults(actionYmlOf(import.meta.url)));
  const target = databaseUrl(inputs, core, 'target-database-url', true);
  const identity = ageIdentity(inputs, 'identity', true);
  const publicKeys = manifestPublicKeys(inputs, 'manifest-public-key');
  const storage = storageInputs(inputs, undefined);
  if (!storage.prefix)
    inputs.problem('prefix', 'is required: the prefix the backups were written under (e.g. `postgres/app/`)');
  const result: DrillInputs = {
    ...storage,
    identity: identity!,
    publicKeys,
    target: target!,
    jobs: inputs.integer('jobs', { min: 1, max: 16 }),
    slack: readSlackTarget(inputs),
    push: readPushTarget(inputs),
  };
  inputs.done();
  return result;
}
