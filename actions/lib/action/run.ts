import type { Core } from './core';

/**
 * Runs an action's main function and turns anything it throws into one
 * `setFailed` message, so every failure reads the same way and exits non-zero.
 */
export async function run(core: Core, main: (core: Core) => Promise<void>): Promise<void> {
  try {
    await main(core);
  } catch (error) {
    core.setFailed(errorMessage(error));
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
