import { describe, expect, it } from 'vitest';
import { coerce } from '../coerce';
import { compileSchema, SchemaError } from '../schema';
import { validateVariables } from '../validate';

const schema = compileSchema({
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 1, maximum: 65535 },
    DEBUG: { type: 'boolean' },
    URL: { type: 'string', format: 'uri' },
    MODE: { enum: ['a', 'b'] },
    RATIO: { anyOf: [{ type: 'number' }, { type: 'null' }] },
  },
  required: ['PORT', 'URL'],
});

describe('coerce', () => {
  it('converts strings the way an app reads them', () => {
    expect(coerce('42', { type: 'integer' })).toBe(42);
    expect(coerce('0.5', { type: 'number' })).toBe(0.5);
    expect(coerce('yes', { type: 'boolean' })).toBe(true);
    expect(coerce('off', { type: 'boolean' })).toBe(false);
    expect(coerce('0.25', { anyOf: [{ type: 'number' }, { type: 'null' }] })).toBe(0.25);
    expect(coerce('42', { type: 'string' })).toBe('42');
    expect(coerce('abc', { type: 'integer' })).toBe('abc');
  });
});

describe('validateVariables', () => {
  it('accepts a valid environment and lists optional variables as unset', () => {
    const report = validateVariables(
      schema,
      { PORT: '8080', URL: 'https://x.example/a', DEBUG: 'false' },
      true,
    );
    expect(report.valid).toBe(true);
    expect(report.results.find((r) => r.name === 'MODE')).toMatchObject({ status: 'unset' });
  });

  it('reports missing and invalid variables together, with reasons from the schema only', () => {
    const report = validateVariables(
      schema,
      { PORT: '70000', URL: '', DEBUG: 'maybe', MODE: 'zzz-secret' },
      true,
    );
    expect(report.valid).toBe(false);
    expect(report.missing).toEqual(['URL']);
    expect(report.invalid).toEqual(['PORT', 'DEBUG', 'MODE']);
    const reasons = Object.fromEntries(report.results.map((r) => [r.name, r.reason]));
    expect(reasons.PORT).toBe('expected a number <= 65535');
    expect(reasons.DEBUG).toBe('expected boolean');
    expect(reasons.MODE).toBe('expected one of "a", "b"');
    expect(JSON.stringify(report)).not.toContain('zzz-secret');
    expect(JSON.stringify(report)).not.toContain('maybe');
  });

  it('flags undeclared variables only when extras are not allowed', () => {
    const vars = { PORT: '1', URL: 'https://x.example', EXTRA: 'v' };
    expect(validateVariables(schema, vars, true).valid).toBe(true);
    const strict = validateVariables(schema, vars, false);
    expect(strict.invalid).toEqual(['EXTRA']);
    expect(strict.results.at(-1)).toEqual({
      name: 'EXTRA',
      status: 'extra',
      reason: 'not declared in the schema',
    });
  });
});

describe('compileSchema', () => {
  it.each([
    [[], 'must be a JSON object'],
    [{ type: 'object' }, 'has no `properties` object'],
    [{ properties: { A: { type: 'strnig' } } }, 'is not a valid JSON Schema'],
    [{ properties: { A: { type: 'string', format: 'no-such-format' } } }, 'cannot be compiled'],
  ])('refuses %j', (json, message) => {
    expect(() => compileSchema(json)).toThrow(SchemaError);
    expect(() => compileSchema(json)).toThrow(message);
  });

  it('accepts draft-07 and 2020-12 schemas', () => {
    const props = { properties: { A: { type: 'string' } } };
    expect(() =>
      compileSchema({ $schema: 'http://json-schema.org/draft-07/schema#', ...props }),
    ).not.toThrow();
    expect(() =>
      compileSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...props }),
    ).not.toThrow();
  });
});
