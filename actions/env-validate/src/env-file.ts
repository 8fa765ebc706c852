import { readFileSync } from 'node:fs';
import { parse } from 'dotenv';

/** Reads a dotenv file; a missing file fails with the fix, and values are never echoed. */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new Error(
      `The env file \`${path}\` ${reason}. Write the environment's variables to it first (e.g. from secrets), or leave \`env-file\` empty to validate the step's environment.`,
    );
  }
  return parse(text);
}
