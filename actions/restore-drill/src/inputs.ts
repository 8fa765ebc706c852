import type { Core } from '../../common/src/core';
import { Inputs } from '../../common/src/inputs';
import type { DatabaseTarget } from '../../db-backup/src/database-url';
import {
  ageIdentity,
  databaseUrl,
  slackInputs,
  storageInputs,
  type SlackInputs,
  type StorageInputs,
} from '../../db-backup/src/inputs';

export interface DrillInputs extends StorageInputs {
  identity: string;
  target: DatabaseTarget;
  jobs: number;
  slack?: SlackInputs;
}

export function readInputs(core: Core): DrillInputs {
  const inputs = new Inputs(core);
  const target = databaseUrl(inputs, core, 'target-database-url', true);
  const identity = ageIdentity(inputs, 'identity', true);
  const storage = storageInputs(inputs, undefined);
  if (!storage.prefix)
    inputs.problem('prefix', 'is required: the prefix the backups were written under (e.g. `postgres/app/`)');
  const result: DrillInputs = {
    ...storage,
    identity: identity!,
    target: target!,
    jobs: inputs.integer('jobs', 2, { min: 1, max: 16 }),
    slack: slackInputs(inputs),
  };
  inputs.done();
  return result;
}
