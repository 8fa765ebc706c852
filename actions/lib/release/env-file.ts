import { parse } from 'dotenv';

/**
 * Turns the `env` input (dotenv text: quotes, comments, `export`) into the engines' `--env-file`
 * format, which takes each line after `=` literally. Values that format cannot carry (newlines)
 * are refused; messages name the variable, never its value.
 */
export function engineEnvFile(dotenvText: string): { text: string; names: string[] } {
  const variables = parse(dotenvText);
  const names = Object.keys(variables);
  const problems: string[] = [];
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push(`\`${name}\` is not a valid variable name`);
    if (/[\r\n\0]/.test(variables[name]!))
      problems.push(`\`${name}\` holds a newline, which an engine env file cannot carry`);
  }
  if (problems.length > 0)
    throw new Error(`\`env\` cannot be passed to the container: ${problems.join('; ')}`);
  return { text: names.map((name) => `${name}=${variables[name]}\n`).join(''), names };
}

/**
 * Settings that are never secret and whose values are common words or numbers (`production`,
 * `info`, `3000`). Masking them would blank those words out of every later log line, job names
 * included ("✔ job *** / deploy"), and hide nothing.
 */
export const PUBLIC_SETTINGS: ReadonlySet<string> = new Set([
  'NODE_ENV',
  'APP_ENV',
  'HOST',
  'PORT',
  'LOG_LEVEL',
  'METRICS_HOST',
  'METRICS_PORT',
  'TZ',
]);

/** The values of the dotenv text to be masked in logs: every one but those of PUBLIC_SETTINGS. */
export function envValues(dotenvText: string): string[] {
  return Object.entries(parse(dotenvText))
    .filter(([name, value]) => value.length > 0 && !PUBLIC_SETTINGS.has(name))
    .map(([, value]) => value);
}
