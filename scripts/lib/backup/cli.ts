// Shared plumbing for the operator commands: flags/env → values, db-backup's input defaults, and a
// Core for the backup library in a terminal (logs on stderr, outputs as `name=value` on stdout).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Core } from '../../../actions/lib/action/core';
import { actionDefaults } from '../../../actions/lib/action/metadata';

export type Flags = Map<string, string>;

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags. `booleans` lists the
 * flags that take no value; repeated flags are joined with newlines (lists).
 */
export function parseFlags(
  argv: string[],
  known: readonly string[],
  booleans: readonly string[] = [],
): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new Error(`Unexpected argument \`${arg}\`: every option is a --flag (see --help).`);
    const name = match[1]!;
    if (!known.includes(name) && !booleans.includes(name))
      throw new Error(`Unknown option --${name} (see --help).`);
    let value: string;
    if (booleans.includes(name)) value = match[2] ?? 'true';
    else if (match[2] !== undefined) value = match[2];
    else if (i + 1 < argv.length) value = argv[(i += 1)]!;
    else throw new Error(`--${name} needs a value.`);
    flags.set(name, flags.has(name) ? `${flags.get(name)}\n${value}` : value);
  }
  return flags;
}

/**
 * A boolean flag by its value: `--clean` and `--clean=true` are true, `--clean=false` (or
 * `DB_BACKUP_CLEAN=false`) is false, absent is false; any other value is an error, never a guess.
 */
export function booleanFlag(flags: Flags, name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = flagOrEnv(flags, name, env).trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  throw new Error(`--${name} takes true or false, not \`${value}\`.`);
}

/** The environment variable that can stand in for a flag: `--database-url` → `DB_BACKUP_DATABASE_URL`. */
export function envName(flag: string): string {
  return `DB_BACKUP_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** A flag's value, else its DB_BACKUP_* variable, else ''. */
export function flagOrEnv(flags: Flags, name: string, env: NodeJS.ProcessEnv = process.env): string {
  return flags.get(name) ?? env[envName(name)] ?? '';
}

/** A Core that reads inputs from flags/env, for the libraries the actions use, in a terminal. */
export function terminalCore(input: (name: string) => string): Core {
  const core = {
    getInput: (name: string) => input(name),
    setOutput: (name: string, value: unknown) => process.stdout.write(`${name}=${String(value)}\n`),
    setSecret: () => undefined,
    setFailed: (message: string | Error) => {
      process.stderr.write(`error: ${String(message instanceof Error ? message.message : message)}\n`);
      process.exitCode = 1;
    },
    info: (message: string) => process.stderr.write(`${message}\n`),
    warning: (message: string | Error) => process.stderr.write(`warning: ${String(message)}\n`),
    group: async <T>(name: string, fn: () => Promise<T>) => {
      process.stderr.write(`== ${name}\n`);
      return fn();
    },
    summary: {} as Core['summary'],
  };
  return core as unknown as Core;
}

/**
 * The db-backup action's input defaults (its action.yml, their one home): the operator commands
 * take the same inputs. Found upwards from this file, which runs from source or from dist/.
 */
export function dbBackupDefaults(): Record<string, string> {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'actions', 'db-backup', 'action.yml');
    if (existsSync(file)) return actionDefaults(file);
  }
  throw new Error('actions/db-backup/action.yml was not found above this command: run it from a checkout.');
}

/** Runs a command's main, printing `--help` text or the error, and setting the exit code. */
export async function runCommand(
  help: string,
  argv: string[],
  main: (argv: string[]) => Promise<void>,
): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return;
  }
  try {
    await main(argv);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

export const STORAGE_FLAGS = ['bucket', 'prefix', 'endpoint', 'region'] as const;
export const STORAGE_HELP = `Storage (flag, or the DB_BACKUP_<FLAG> variable; AWS credentials from the standard AWS environment):
  --bucket NAME            S3 bucket
  --prefix PREFIX          key prefix (backup-database defaults to postgres/<database>/)
  --endpoint URL           S3-compatible endpoint (empty for AWS)
  --region REGION          region (default AWS_REGION, else us-east-1)
  --force-path-style       path-style URLs (most S3-compatible stores)
`;
