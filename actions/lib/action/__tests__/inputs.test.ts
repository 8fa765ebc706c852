import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, Inputs, RULES, splitList, splitPlainWords } from '../inputs';
import { actionDefaults } from '../metadata';

function reader(values: Record<string, string>, defaults: Record<string, string> = {}) {
  const secrets: string[] = [];
  const core = {
    getInput: (name: string) => values[name] ?? '',
    setSecret: (s: string) => void secrets.push(s),
  };
  return { inputs: new Inputs(core, defaults), secrets };
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
  it('reads required and optional values; an empty input means its action.yml default', () => {
    const { inputs } = reader({ name: '  api ', empty: '   ', user: '' }, { user: 'deploy', count: '3' });
    expect(inputs.required('name')).toBe('api');
    expect(inputs.optional('empty')).toBeUndefined();
    expect(inputs.optional('user')).toBe('deploy');
    expect(inputs.integer('count')).toBe(3);
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
      engine: 'docker; reboot',
    });
    inputs.required('missing');
    inputs.required('app', RULES.name);
    inputs.boolean('flag');
    inputs.integer('count', { min: 1, max: 10 });
    inputs.duration('wait');
    inputs.oneOf('mode', ['a', 'b'] as const);
    inputs.list('hosts', { pattern: RULES.hostname.pattern, expected: 'hostnames' });
    inputs.words('engine');
    const problems = problemsOf(() => inputs.done());
    expect(problems).toEqual([
      '`missing` is required',
      '`app` is not valid: expected `[a-z][a-z0-9-]*` (at most 63 characters)',
      '`flag` must be `true` or `false`',
      '`count` must be a whole number from 1 to 10',
      '`wait` must be a duration such as `500ms`, `90s`, `5m`, `2h` or `30d`',
      '`mode` must be one of `a`, `b`',
      '`hosts` item #2 is not valid: expected hostnames',
      '`engine` must be plain words separated by spaces (letters, digits, `_@%+=:,./-`; no quotes or shell metacharacters)',
    ]);
    const message = new InputError(problems).message;
    expect(message).not.toContain('rm');
    expect(message).not.toContain('$(id)');
  });

  it('parses booleans like the YAML 1.2 core schema', () => {
    const { inputs } = reader({ a: 'True', b: 'FALSE' }, { unset: 'true' });
    expect(inputs.boolean('a')).toBe(true);
    expect(inputs.boolean('b')).toBe(false);
    expect(inputs.boolean('unset')).toBe(true);
    inputs.done();
  });

  it('reads integers within range and durations in milliseconds', () => {
    const { inputs } = reader({ n: '5', big: '11', t: '2m' }, { unset: '90s' });
    expect(inputs.integer('n', { min: 1, max: 10 })).toBe(5);
    expect(inputs.duration('t')).toBe(120_000);
    expect(inputs.duration('unset')).toBe(90_000);
    inputs.integer('big', { max: 10 });
    expect(problemsOf(() => inputs.done())).toEqual(['`big` must be a whole number of at most 10']);
  });

  it('requires a typed input that has neither a value nor a default', () => {
    const { inputs } = reader({});
    inputs.integer('port');
    inputs.oneOf('network', ['bridge', 'host'] as const);
    expect(problemsOf(() => inputs.done())).toEqual(['`port` is required', '`network` is required']);
  });

  it('splits command words; empty is allowed only when asked', () => {
    const { inputs } = reader({ engine: ' sudo -n podman ' }, { reload: 'nginx -s reload' });
    expect(inputs.words('engine')).toEqual(['sudo', '-n', 'podman']);
    expect(inputs.words('reload')).toEqual(['nginx', '-s', 'reload']);
    expect(inputs.words('run-args', { allowEmpty: true })).toEqual([]);
    inputs.words('proxy-test');
    expect(problemsOf(() => inputs.done())).toEqual(['`proxy-test` is required']);
  });

  it('parses each list item, naming the problems', () => {
    const { inputs } = reader({ ports: '80, x, 443' });
    const parse = (item: string) => {
      if (!/^\d+$/.test(item)) throw new Error(`port ${JSON.stringify(item)} is not a number`);
      return Number(item);
    };
    expect(inputs.each('ports', parse)).toEqual([80, 443]);
    expect(problemsOf(() => inputs.done())).toEqual(['`ports` port "x" is not a number']);
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

describe('splitPlainWords', () => {
  it('splits a plain command prefix', () => {
    expect(splitPlainWords(' sudo -n podman --root /var/lib/x  --storage-driver vfs ')).toEqual([
      'sudo',
      '-n',
      'podman',
      '--root',
      '/var/lib/x',
      '--storage-driver',
      'vfs',
    ]);
  });

  it.each(['docker; reboot', 'podman $(id)', "podman 'x'", 'podman\nrm', 'a && b', '', 'podman > /tmp/x'])(
    'rejects %j',
    (text) => {
      expect(splitPlainWords(text)).toBeUndefined();
    },
  );
});

describe('RULES', () => {
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
    ['user', 'deploy', true],
    ['user', 'root;id', false],
  ] as const)('%s %j → %s', (rule, value, ok) => {
    expect(RULES[rule].pattern.test(value)).toBe(ok);
  });
});

describe('actionDefaults', () => {
  it('reads the defaults of action.yml, leaving out the ones the runner evaluates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'action-yml-'));
    try {
      const file = join(dir, 'action.yml');
      writeFileSync(
        file,
        [
          'name: x',
          'inputs:',
          '  user: { default: deploy }',
          "  count: { default: '3' }",
          '  empty: { default: "" }',
          '  token: { default: "${{ github.token }}" }',
          '  required: { required: true }',
        ].join('\n'),
      );
      expect(actionDefaults(file)).toEqual({ user: 'deploy', count: '3', empty: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
