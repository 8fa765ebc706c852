import { parse as parseDotenv } from 'dotenv';

/** Secrets and configuration variables at one level (the repository, or one environment). */
export interface Level {
  secrets: Record<string, string>;
  vars: Record<string, string>;
}

/**
 * What GitHub stores for a repository: repository-level secrets and variables, and each deployment
 * environment's own. An environment's values reach only the jobs that name that environment.
 */
export interface Values {
  repository: Level;
  environments: Record<string, Level>;
}

/** An env file: the two levels of values plus the runner machine's own environment (`runner.NAME`). */
export interface EnvFile extends Values {
  runner: Record<string, string>;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const KEY = new RegExp(
  `^(?:environments\\.([A-Za-z0-9._-]+?)\\.)?(secrets|vars)\\.(${NAME})$|^runner\\.(${NAME})$`,
);

export const emptyLevel = (): Level => ({ secrets: {}, vars: {} });

/**
 * Parses the env file of `pipeline run --env-file` and `scripts/setup-environments`:
 * `secrets.NAME=` / `vars.NAME=` (repository level), `environments.<env>.secrets.NAME=` /
 * `environments.<env>.vars.NAME=` (that environment), `runner.NAME=` (the runner machine).
 * Any other key is an error (a typo must not silently drop a value).
 */
export function parseEnvFile(text: string): EnvFile {
  const result: EnvFile = { repository: emptyLevel(), environments: {}, runner: {} };
  const bad: string[] = [];
  for (const [key, value] of Object.entries(parseDotenv(text))) {
    const match = KEY.exec(key);
    if (!match) {
      bad.push(key);
      continue;
    }
    const [, environment, kind, name, runnerName] = match;
    if (runnerName) {
      result.runner[runnerName] = value;
      continue;
    }
    const level = environment ? (result.environments[environment] ??= emptyLevel()) : result.repository;
    level[kind as keyof Level][name!] = value;
  }
  if (bad.length)
    throw new Error(
      `env file: keys must be secrets.NAME, vars.NAME, environments.<env>.secrets.NAME, ` +
        `environments.<env>.vars.NAME or runner.NAME; got ${bad.join(', ')}`,
    );
  return result;
}

/** Every secret value of every level (for masking). */
export function allSecrets(values: Values): string[] {
  return [
    ...Object.values(values.repository.secrets),
    ...Object.values(values.environments).flatMap((level) => Object.values(level.secrets)),
  ];
}

/** The `vars` a job sees: its environment's over the repository's. */
export function varsFor(values: Values, environment: string | undefined): Record<string, string> {
  return {
    ...values.repository.vars,
    ...(environment ? values.environments[environment]?.vars : {}),
  };
}

/** An environment's own secrets (empty without an environment). */
export function environmentSecrets(values: Values, environment: string | undefined): Record<string, string> {
  return environment ? { ...values.environments[environment]?.secrets } : {};
}
