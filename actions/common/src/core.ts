import type * as actionsCore from '@actions/core';

/** The slice of @actions/core the actions use; injected so tests can pass their own. */
export type Core = Pick<
  typeof actionsCore,
  | 'getInput'
  | 'getBooleanInput'
  | 'setOutput'
  | 'setSecret'
  | 'setFailed'
  | 'info'
  | 'warning'
  | 'error'
  | 'debug'
  | 'group'
  | 'summary'
  | 'saveState'
  | 'getState'
  | 'exportVariable'
>;
