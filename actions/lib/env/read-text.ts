import { readFileSync } from 'node:fs';

/**
 * Reads a text file named by an input; a missing or unreadable file becomes one message
 * that names the file, says what went wrong and how to fix it.
 */
export function readText(path: string, what: string, fix: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new Error(`The ${what} \`${path}\` ${reason}. ${fix}`);
  }
}
