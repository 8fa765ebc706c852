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

/** Every value of the dotenv text, to be masked in logs. */
export function envValues(dotenvText: string): string[] {
  return Object.values(parse(dotenvText)).filter((value) => value.length > 0);
}
