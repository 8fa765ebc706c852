import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A new private (0700) directory for one run's work files: under RUNNER_TEMP on a runner
 * (cleaned after the job), else the OS temp dir. The caller removes it when done.
 */
export function privateTempDir(prefix: string, base?: string): string {
  return mkdtempSync(join(base || process.env.RUNNER_TEMP || tmpdir(), `${prefix}-`));
}
