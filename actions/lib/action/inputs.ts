import type { Core } from './core';
import { parseDuration } from './duration';
import { maskSecret } from './secrets';

/** Thrown by `Inputs.done()`: one message that lists every bad input at once. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inputs:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'InputError';
  }
}

export interface TextRule {
  /** The value (and every list item) must match this pattern. */
  pattern?: RegExp;
  /** What a good value looks like, shown when the pattern fails. */
  expected?: string;
}

/** Rules several actions (and the edge config) validate against. */
export const RULES = {
  /** Lower-case name safe for paths and container names: apps, databases of the stack. */
  name: { pattern: /^[a-z][a-z0-9-]{0,62}$/, expected: '`[a-z][a-z0-9-]*` (at most 63 characters)' },
  /** A release version: safe in file names, tags and shell words. */
  version: { pattern: /^[A-Za-z0-9._-]{1,64}$/, expected: '1 to 64 of `A-Z a-z 0-9 . _ -`' },
  /** A DNS hostname or IPv4 address (no user, no path). */
  hostname: {
    pattern:
      /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    expected: 'a DNS name or IP address',
  },
  /** A POSIX user name (the SSH user on the hosts). */
  user: { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, expected: 'a Unix user name' },
} as const satisfies Record<string, Required<TextRule>>;

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/** A plain word list such as `sudo -n podman --root /var/lib/x`: no quotes, no metacharacters. */
const PLAIN_WORDS = /^[A-Za-z0-9_@%+=:,./-]+( +[A-Za-z0-9_@%+=:,./-]+)*$/;

/**
 * Reads and validates action inputs. Each reader records a problem instead of throwing, so
 * `done()` can report every bad input together. Messages name the input and what was expected,
 * never the value (it may be a secret).
 *
 * An empty input means its action.yml default (`defaults`, see metadata.ts), as an input left out
 * of `with:` does on the runner: a workflow can pass an unset `vars.X` and get the default, which
 * lives only in action.yml.
 */
export class Inputs {
  private readonly problems: string[] = [];

  constructor(
    private readonly core: Pick<Core, 'getInput' | 'setSecret'>,
    private readonly defaults: Record<string, string> = {},
  ) {}

  /** Trimmed value, else the action.yml default, else ''. */
  raw(name: string): string {
    return this.core.getInput(name).trim() || this.defaults[name] || '';
  }

  required(name: string, rule: TextRule = {}): string {
    const value = this.raw(name);
    if (!value) {
      this.problem(name, 'is required');
      return '';
    }
    return this.check(name, value, rule) ? value : '';
  }

  optional(name: string, rule: TextRule = {}): string | undefined {
    const value = this.raw(name);
    if (!value) return undefined;
    return this.check(name, value, rule) ? value : undefined;
  }

  /** A secret input: masked before anything else happens; never checked against patterns that could echo it. */
  secret(name: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.core.getInput(name);
    maskSecret(this.core, value);
    if (!value.trim()) {
      if (options.required) this.problem(name, 'is required');
      return undefined;
    }
    return value;
  }

  /** A list split on newlines or commas; blank items are dropped. */
  list(name: string, options: TextRule & { required?: boolean; separator?: RegExp } = {}): string[] {
    const items = splitList(this.raw(name), options.separator);
    if (items.length === 0) {
      if (options.required) this.problem(name, 'is required (one item per line, or comma-separated)');
      return [];
    }
    const bad = items
      .map((item, i) => ({ item, i }))
      .filter(({ item }) => options.pattern && !options.pattern.test(item));
    if (bad.length > 0) {
      const which = bad.map(({ i }) => `#${i + 1}`).join(', ');
      this.problem(
        name,
        `item ${which} is not valid${options.expected ? `: expected ${options.expected}` : ''}`,
      );
      return [];
    }
    return items;
  }

  /** Each item of a list turned into a value by `parse`; what it throws is the item's problem. */
  each<T>(name: string, parse: (item: string) => T, options: { required?: boolean } = {}): T[] {
    return this.list(name, options).flatMap((item) => {
      try {
        return [parse(item)];
      } catch (error) {
        this.problem(name, (error as Error).message);
        return [];
      }
    });
  }

  boolean(name: string): boolean {
    const value = this.typed(name);
    if (value === undefined) return false;
    if (TRUE.has(value)) return true;
    if (!FALSE.has(value)) this.problem(name, 'must be `true` or `false`');
    return false;
  }

  integer(name: string, range: { min?: number; max?: number } = {}): number {
    const value = this.typed(name);
    if (value === undefined) return 0;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    const { min = -Infinity, max = Infinity } = range;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problem(name, `must be a whole number${describeRange(min, max)}`);
      return 0;
    }
    return parsed;
  }

  /** A duration such as `90s`, `5m`, `2h`, `30d`; returns milliseconds. */
  duration(name: string, range: { minMs?: number; maxMs?: number } = {}): number {
    const value = this.typed(name);
    if (value === undefined) return 0;
    const ms = parseDuration(value);
    const { minMs = 0, maxMs = Infinity } = range;
    if (ms === undefined || ms < minMs || ms > maxMs) {
      this.problem(name, 'must be a duration such as `500ms`, `90s`, `5m`, `2h` or `30d`');
      return 0;
    }
    return ms;
  }

  oneOf<T extends string>(name: string, choices: readonly T[]): T {
    const value = this.typed(name);
    if (value !== undefined && (choices as readonly string[]).includes(value)) return value as T;
    if (value !== undefined)
      this.problem(name, `must be one of ${choices.map((c) => `\`${c}\``).join(', ')}`);
    return choices[0]!;
  }

  /**
   * A command or command prefix (`engine`, `proxy-reload`, `pre-switch-command`) split into argv.
   * Only plain words separated by spaces, so it means the same here, in the shell on a host and to
   * a reader. Empty gives [] when `allowEmpty`, else a problem.
   */
  words(name: string, options: { allowEmpty?: boolean } = {}): string[] {
    const text = this.raw(name);
    if (!text) {
      if (!options.allowEmpty) this.problem(name, 'is required');
      return [];
    }
    const argv = splitPlainWords(text);
    if (argv) return argv;
    this.problem(
      name,
      'must be plain words separated by spaces (letters, digits, `_@%+=:,./-`; no quotes or shell metacharacters)',
    );
    return [];
  }

  /** Records a problem found by cross-input checks in the action itself. */
  problem(name: string, message: string): void {
    this.problems.push(`\`${name}\` ${message}`);
  }

  /** Throws one InputError listing every problem, if there is any. */
  done(): void {
    if (this.problems.length > 0) throw new InputError([...this.problems]);
  }

  /** The text of an input read as a typed value; an input with neither value nor default is required. */
  private typed(name: string): string | undefined {
    const value = this.raw(name);
    if (value) return value;
    this.problem(name, 'is required');
    return undefined;
  }

  private check(name: string, value: string, rule: TextRule): boolean {
    if (rule.pattern && !rule.pattern.test(value)) {
      this.problem(name, `is not valid${rule.expected ? `: expected ${rule.expected}` : ''}`);
      return false;
    }
    return true;
  }
}

export function splitList(text: string, separator: RegExp = /[\n,]/): string[] {
  return text
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Splits plain words (see PLAIN_WORDS) into argv; undefined when the text is anything else. */
export function splitPlainWords(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!PLAIN_WORDS.test(trimmed)) return undefined;
  return trimmed.split(/ +/);
}

function describeRange(min: number, max: number): string {
  if (Number.isFinite(min) && Number.isFinite(max)) return ` from ${min} to ${max}`;
  if (Number.isFinite(min)) return ` of at least ${min}`;
  if (Number.isFinite(max)) return ` of at most ${max}`;
  return '';
}
