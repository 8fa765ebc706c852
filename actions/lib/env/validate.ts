import type { ErrorObject } from 'ajv';
import { coerce } from './coerce';
import type { EnvSchema } from './schema';

export type Status = 'ok' | 'missing' | 'invalid' | 'extra' | 'unset';

export interface VariableResult {
  name: string;
  status: Status;
  /** Why it failed, in words that never contain the value. */
  reason: string;
}

export interface Report {
  valid: boolean;
  results: VariableResult[];
  missing: string[];
  invalid: string[];
}

/**
 * Checks variables against the schema. Empty values count as missing. Reasons are
 * built from the schema (expected type, format, pattern, bounds), never from the data.
 */
export function validateVariables(
  schema: EnvSchema,
  variables: Record<string, string>,
  allowExtra: boolean,
): Report {
  const present = new Map<string, unknown>();
  for (const [name, value] of Object.entries(variables))
    if (value !== '' && (name in schema.properties || !allowExtra))
      present.set(name, coerce(value, schema.properties[name]));

  schema.validate(Object.fromEntries(present));
  const reasons = reasonsByVariable(schema.validate.errors ?? []);

  const results: VariableResult[] = [];
  for (const name of Object.keys(schema.properties)) {
    if (!present.has(name)) {
      const required = schema.required.includes(name);
      results.push({
        name,
        status: required ? 'missing' : 'unset',
        reason: required ? 'required but not set' : 'optional, not set',
      });
    } else if (reasons.has(name)) {
      results.push({ name, status: 'invalid', reason: reasons.get(name)!.join('; ') });
    } else {
      results.push({ name, status: 'ok', reason: '' });
    }
  }
  for (const name of present.keys())
    if (!(name in schema.properties))
      results.push({ name, status: 'extra', reason: 'not declared in the schema' });
  // Schema-level rules without a variable (e.g. `dependentRequired`) still fail the check.
  for (const reason of reasons.get('') ?? []) results.push({ name: '(schema)', status: 'invalid', reason });

  const missing = results.filter((r) => r.status === 'missing').map((r) => r.name);
  const invalid = results.filter((r) => r.status === 'invalid' || r.status === 'extra').map((r) => r.name);
  return { valid: missing.length === 0 && invalid.length === 0, results, missing, invalid };
}

function reasonsByVariable(errors: ErrorObject[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const error of errors) {
    if (error.keyword === 'required') continue; // reported as missing, from the required list
    if (error.keyword === 'additionalProperties') {
      add(byName, String(error.params.additionalProperty), 'not declared in the schema');
      continue;
    }
    const name = decodePointer(error.instancePath.split('/')[1] ?? '');
    add(byName, name, describe(error));
  }
  return byName;
}

function add(map: Map<string, string[]>, name: string, reason: string) {
  const list = map.get(name) ?? [];
  if (!list.includes(reason)) list.push(reason);
  map.set(name, list);
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A reason from the schema's side of the error: safe to print, since it holds no data. */
export function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `expected ${p.type}`;
    case 'format':
      return `expected format ${p.format}`;
    case 'pattern':
      return `does not match pattern ${p.pattern}`;
    case 'enum':
      return `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `expected ${JSON.stringify(p.allowedValue)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `expected a number ${p.comparison} ${p.limit}`;
    case 'minLength':
      return `expected at least ${p.limit} characters`;
    case 'maxLength':
      return `expected at most ${p.limit} characters`;
    case 'multipleOf':
      return `expected a multiple of ${p.multipleOf}`;
    default:
      // Ajv's own messages describe the schema side only (no `verbose` data).
      return error.message ?? `fails \`${error.keyword}\``;
  }
}
