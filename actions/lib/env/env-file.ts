import { parse } from 'dotenv';
import { readText } from './read-text';

/** Reads a dotenv file; a missing file fails with the fix, and values are never echoed. */
export function readEnvFile(path: string): Record<string, string> {
  const text = readText(
    path,
    'env file',
    "Write the environment's variables to it first (e.g. from secrets), or leave `env-file` empty to validate the step's environment.",
  );
  return parse(text);
}
