export type { Core } from './core';
export { run, errorMessage } from './run';
export { Inputs, InputError, PATTERNS, splitList, type TextRule } from './inputs';
export { maskSecret, redact } from './secrets';
export { table, writeSummary, type Cell } from './summary';
export { parseDuration, formatDuration, formatBytes } from './duration';
export { retry, backoffDelay, sleep, type RetryOptions } from './retry';
export { runCommand, CommandError, type CommandResult, type RunOptions } from './exec';
