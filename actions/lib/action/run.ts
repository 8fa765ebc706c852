import type { Core } from './core';

/**
 * Runs an action's main function and turns anything it throws into one
 * `setFailed` message, so every failure reads the same way and exits non-zero.
 */
export async function run(core: Core, main: (core: Core) => Promise<void>): Promise<void> {
  quietRuntimeWarnings(core as { debug?: (message: string) => void });
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

/**
 * Node's runtime warnings (a dependency's DeprecationWarning, the AWS SDK's Node version notice)
 * go to the debug log instead of stderr: they are not the step's business and must never be the
 * last line of a failed run, after the error that explains it.
 */
export function quietRuntimeWarnings(
  core: { debug?: (message: string) => void },
  target: NodeJS.Process = process,
): void {
  target.removeAllListeners('warning');
  target.on('warning', (warning) => core.debug?.(`Node.js ${warning.name}: ${warning.message}`));
}
