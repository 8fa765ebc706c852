import type * as actionsCore from '@actions/core';

/** The slice of @actions/core the actions use; injected (`run(core, main)`) so a terminal can pass its own. */
export type Core = Pick<
  typeof actionsCore,
  'getInput' | 'setOutput' | 'setSecret' | 'setFailed' | 'info' | 'warning' | 'group' | 'summary'
>;

/** Where the libraries report progress: an action passes its Core, an operator command stderr. */
export interface Log {
  info(message: string): void;
  warning(message: string): void;
}
