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

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/**
 * Reads and validates action inputs. Each reader records a problem instead of
 * throwing, so `done()` can report every bad input together. Messages name the
 * input and what was expected, never the value (it may be a secret).
 */
export class Inputs {
  private readonly problems: string[] = [];

  constructor(private readonly core: Pick<Core, 'getInput' | 'setSecret'>) {}

  /** Trimmed raw value; empty string when unset. */
  raw(name: string): string {
    return this.core.getInput(name).trim();
  }

  required(name: string, rule: TextRule = {}): string {
    const value = this.raw(name);
    if (!value) {
      this.problem(name, 'is required');
      return '';
    }
    return this.check(name, value, rule) ? value : '';
  }

  optional(name: string, fallback?: string, rule: TextRule = {}): string | undefined {
    const value = this.raw(name) || fallback;
    if (value === undefined || value === '') return undefined;
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

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (!value) return fallback;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    this.problem(name, 'must be `true` or `false`');
    return fallback;
  }

  integer(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.raw(name);
    if (!value) return fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : NaN;
    const { min = -Infinity, max = Infinity } = range;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problem(name, `must be a whole number${describeRange(min, max)}`);
      return fallback;
    }
    return parsed;
  }

  /** A duration such as `90s`, `5m`, `2h`, `30d`; returns milliseconds. */
  duration(name: string, fallback: string, range: { minMs?: number; maxMs?: number } = {}): number {
    const value = this.raw(name) || fallback;
    const ms = parseDuration(value);
    const { minMs = 0, maxMs = Infinity } = range;
    if (ms === undefined || ms < minMs || ms > maxMs) {
      this.problem(name, 'must be a duration such as `500ms`, `90s`, `5m`, `2h` or `30d`');
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name) || fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.problem(name, `must be one of ${choices.map((c) => `\`${c}\``).join(', ')}`);
    return fallback;
  }

  /** Records a problem found by cross-input checks in the action itself. */
  problem(name: string, message: string): void {
    this.problems.push(`\`${name}\` ${message}`);
  }

  /** Throws one InputError listing every problem, if there is any. */
  done(): void {
    if (this.problems.length > 0) throw new InputError([...this.problems]);
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

function describeRange(min: number, max: number): string {
  if (Number.isFinite(min) && Number.isFinite(max)) return ` from ${min} to ${max}`;
  if (Number.isFinite(min)) return ` of at least ${min}`;
  if (Number.isFinite(max)) return ` of at most ${max}`;
  return '';
}

/** Patterns that several actions validate against. */
export const PATTERNS = {
  /** Lower-case name safe for paths and container names. */
  name: /^[a-z][a-z0-9-]{0,62}$/,
  /** A release version: safe in file names, tags and shell words. */
  version: /^[A-Za-z0-9._-]{1,64}$/,
  /** A DNS hostname or IPv4 address (no user, no path). */
  hostname:
    /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
} as const;
