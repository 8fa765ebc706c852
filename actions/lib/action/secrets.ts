import type { Core } from './core';

/**
 * Registers a secret with the runner's log masking. A multi-line value (a PEM key,
 * a dotenv file) is also registered line by line, because the runner masks a
 * multi-line secret only where it appears whole.
 */
export function maskSecret(core: Pick<Core, 'setSecret'>, value: string | undefined): void {
  if (!value) return;
  core.setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= 4 && trimmed !== value) core.setSecret(trimmed);
  }
}

/** Replaces every occurrence of each secret in `text` with `***`, longest first. */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const values = [...secrets]
    .filter((s): s is string => !!s && s.length >= 3)
    .sort((a, b) => b.length - a.length);
  let result = text;
  for (const value of values) result = result.split(value).join('***');
  return result;
}
