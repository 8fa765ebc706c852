import { describe, expect, it } from 'vitest';
import { InputError, Inputs, PATTERNS, splitList } from '../src/inputs';

function reader(values: Record<string, string>) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => values[name] ?? '',
    setSecret: (s: string) => void secrets.push(s),
  };
  return { inputs: new Inputs(core), secrets };
}

function problemsOf(fn: () => void): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  return [];
}

describe('Inputs', () => {
  it('reads required, optional and defaulted values', () => {
    const { inputs } = reader({ name: '  api ', empty: '   ' });
    expect(inputs.required('name')).toBe('api');
    expect(inputs.optional('empty')).toBeUndefined();
    expect(inputs.optional('empty', 'fallback')).toBe('fallback');
    inputs.done();
  });

  it('reports every bad input at once, without values', () => {
    const { inputs } = reader({
      app: 'Bad App;rm',
      flag: 'yes',
      count: '12x',
      wait: 'soon',
      mode: 'other',
      hosts: 'a.example,b$(id)',
    });
    inputs.required('missing');
    inputs.required('app', { pattern: PATTERNS.name, expected: 'a lower-case name' });
    inputs.boolean('flag', false);
    inputs.integer('count', 1, { min: 1, max: 10 });
    inputs.duration('wait', '10s');
    inputs.oneOf('mode', ['a', 'b'] as const, 'a');
    inputs.list('hosts', { pattern: PATTERNS.hostname, expected: 'hostnames' });
    const problems = problemsOf(() => inputs.done());
    expect(problems).toEqual([
      '`missing` is required',
      '`app` is not valid: expected a lower-case name',
      '`flag` must be `true` or `false`',
      '`count` must be a whole number from 1 to 10',
      '`wait` must be a duration such as `500ms`, `90s`, `5m`, `2h` or `30d`',
      '`mode` must be one of `a`, `b`',
      '`hosts` item #2 is not valid: expected hostnames',
    ]);
    const message = new InputError(problems).message;
    expect(message).not.toContain('rm');
    expect(message).not.toContain('$(id)');
  });

  it('parses booleans like the YAML 1.2 core schema and keeps defaults', () => {
    const { inputs } = reader({ a: 'True', b: 'FALSE' });
    expect(inputs.boolean('a', false)).toBe(true);
    expect(inputs.boolean('b', true)).toBe(false);
    expect(inputs.boolean('unset', true)).toBe(true);
    inputs.done();
  });

  it('reads integers within range and durations in milliseconds', () => {
    const { inputs } = reader({ n: '5', big: '11', t: '2m' });
    expect(inputs.integer('n', 1, { min: 1, max: 10 })).toBe(5);
    expect(inputs.duration('t', '10s')).toBe(120_000);
    expect(inputs.duration('unset', '90s')).toBe(90_000);
    inputs.integer('big', 1, { max: 10 });
    expect(problemsOf(() => inputs.done())).toEqual(['`big` must be a whole number of at most 10']);
  });

  it('masks secrets, line by line for multi-line values', () => {
    const key = '-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----';
    const { inputs, secrets } = reader({ key });
    expect(inputs.secret('key', { required: true })).toBe(key);
    expect(secrets).toContain(key);
    expect(secrets).toContain('AAAABBBBCCCC');
    expect(problemsOf(() => inputs.done())).toEqual([]);
    const other = reader({});
    expect(other.inputs.secret('token', { required: true })).toBeUndefined();
    expect(problemsOf(() => other.inputs.done())).toEqual(['`token` is required']);
  });

  it('splits lists on newlines and commas and drops blanks', () => {
    expect(splitList('a, b\n\nc ,')).toEqual(['a', 'b', 'c']);
    expect(splitList('')).toEqual([]);
    const { inputs } = reader({});
    inputs.list('hosts', { required: true });
    expect(problemsOf(() => inputs.done())).toEqual([
      '`hosts` is required (one item per line, or comma-separated)',
    ]);
  });
});

describe('PATTERNS', () => {
  it.each([
    ['name', 'api', true],
    ['name', 'api-2', true],
    ['name', 'Api', false],
    ['name', '../etc', false],
    ['version', 'v1.2.3-rc.1', true],
    ['version', 'v1;rm -rf', false],
    ['version', 'a\nb', false],
    ['hostname', 'web-1.example.com', true],
    ['hostname', '127.0.0.1', true],
    ['hostname', 'host name', false],
    ['hostname', '-bad.example', false],
  ] as const)('%s %j → %s', (pattern, value, ok) => {
    expect(PATTERNS[pattern].test(value)).toBe(ok);
  });
});
