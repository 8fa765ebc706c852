// Output from outside (container logs, migration output, build, push, Trivy and sentry-cli lines)
// printed so the runner never executes a workflow command hidden in it. The runner reads every
// stdout line that starts with `::` as a command (`::add-mask::`, `::set-output::`, `::error::`,
// `::stop-commands::`, …); between `::stop-commands::<token>` and `::<token>::` it reads none.
// The token is random per block, so the output cannot guess it to resume commands itself.
import { randomBytes } from 'node:crypto';
import type { Core } from './core';

type Info = Pick<Core, 'info'>;
type GroupLog = Pick<Core, 'info' | 'group'>;

/** Turns workflow commands off; the returned function turns them back on. */
export function stopCommands(log: Info): () => void {
  const token = randomBytes(16).toString('hex');
  log.info(`::stop-commands::${token}`);
  return () => log.info(`::${token}::`);
}

/** Prints `text` with workflow commands off. */
export function printUntrusted(log: Info, text: string): void {
  const resume = stopCommands(log);
  try {
    log.info(text);
  } finally {
    resume();
  }
}

/**
 * A log group for streamed untrusted output: `work` prints each line through `print` while
 * workflow commands are off. The group is opened before and closed after, as commands.
 */
export async function groupUntrusted<T>(
  log: GroupLog,
  title: string,
  work: (print: (line: string) => void) => Promise<T>,
): Promise<T> {
  return log.group(title, async () => {
    const resume = stopCommands(log);
    try {
      return await work((line) => log.info(line));
    } finally {
      resume();
    }
  });
}
