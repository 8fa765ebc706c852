// The web server's environment: one zod schema (server/env.mjs) checked at start-up, exported to
// env.schema.json for env-validate (deploy.yml checks WEB_ENV with it). Values never reach a message.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../actions/lib/env/schema';
import { validateVariables } from '../../../actions/lib/env/validate';
import { formatWebEnvProblems, parseWebEnv } from '../server/env.mjs';
import { WEB_ENV_SCHEMA_FILE, webEnvJsonSchemaText } from '../scripts/env-schema.mjs';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '../..');
const good = { API_URL: 'http://127.0.0.1:3000', NODE_ENV: 'production', PORT: '3011', METRICS_PORT: '9464' };
const SECRET = 'sekret-header-value-0xC0FFEE';

describe('parseWebEnv', () => {
  it('accepts a good environment, with defaults and numbers converted', () => {
    const result = parseWebEnv({ ...good, APP_VERSION: '' });
    expect(result).toMatchObject({
      ok: true,
      env: { API_URL: good.API_URL, PORT: 3011, METRICS_PORT: 9464, HOSTNAME: '0.0.0.0', LOG_LEVEL: 'info' },
    });
    expect(result.ok && result.env.APP_VERSION).toBeUndefined(); // empty counts as unset
  });

  it('names a missing API_URL (empty counts as missing)', () => {
    expect(parseWebEnv({ PORT: '3000' })).toEqual({ ok: false, problems: ['API_URL: required'] });
    expect(parseWebEnv({ API_URL: '' })).toEqual({ ok: false, problems: ['API_URL: required'] });
  });

  it('names every malformed variable with the rule, never the value', () => {
    const result = parseWebEnv({
      ...good,
      API_URL: 'ftp://user:hunter2@api',
      PORT: '70000',
      NODE_ENV: 'live-xyz',
      OTEL_EXPORTER_OTLP_HEADERS: SECRET,
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p: string) => p.split(':')[0]).sort()).toEqual([
      'API_URL',
      'NODE_ENV',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'PORT',
    ]);
    expect(problems).toContain('API_URL: expected an http(s) URL');
    const text = formatWebEnvProblems(problems);
    for (const value of [SECRET, 'hunter2', '70000', 'live-xyz']) expect(text).not.toContain(value);
  });

  it('refuses METRICS_PORT equal to PORT', () => {
    expect(parseWebEnv({ ...good, METRICS_PORT: good.PORT })).toEqual({
      ok: false,
      problems: [
        'METRICS_PORT: must differ from PORT (the edge routes PORT; metrics stay on their own listener)',
      ],
    });
  });
});

describe('env.schema.json', () => {
  const committed = readFileSync(WEB_ENV_SCHEMA_FILE, 'utf8');
  const schema = compileSchema(JSON.parse(committed), 'apps/web/env.schema.json');

  it('is current: run `npm run env-schema -w apps/web` after changing server/env.mjs', () => {
    expect(committed).toBe(webEnvJsonSchemaText());
  });

  it('lets env-validate agree with the server on what is valid', () => {
    const envs: Record<string, string>[] = [
      good,
      { API_URL: 'https://contextai.example' },
      {},
      { ...good, API_URL: 'not a url' },
      { ...good, API_URL: 'http://user:pw@api:3000' },
      { ...good, PORT: 'x' },
      { ...good, PORT: '0' },
      { ...good, NODE_ENV: 'staging' },
      { ...good, LOG_LEVEL: 'loud' },
      { ...good, OTEL_EXPORTER_OTLP_HEADERS: 'api-key' },
      { ...good, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    ];
    for (const env of envs) {
      expect(validateVariables(schema, env, true).valid, JSON.stringify(env)).toBe(parseWebEnv(env).ok);
    }
  });
});

// tsx compiles the telemetry sources first: seconds alone, longer on a loaded 2-core machine.
describe('start-up', { timeout: 120_000 }, () => {
  /** Runs server/start.mjs from the sources (tsx maps @contextai/telemetry to its sources). */
  function start(env: Record<string, string>) {
    return spawnSync(
      resolve(repoRoot, 'node_modules/.bin/tsx'),
      ['--tsconfig', 'server/tsconfig.json', 'server/start.mjs'],
      { cwd: appDir, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 90_000 },
    );
  }

  it('refuses to start with a bad environment, naming each variable but no value', () => {
    const run = start({
      API_URL: 'http://127.0.0.1:3000',
      PORT: '3000',
      METRICS_PORT: '3000',
      OTEL_EXPORTER_OTLP_HEADERS: SECRET,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid environment of the web server (2 problems)');
    expect(run.stderr).toContain('- METRICS_PORT: must differ from PORT');
    expect(run.stderr).toContain(
      '- OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas',
    );
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('goes past the check with a good environment (then needs the built server.js)', () => {
    const run = start({ ...good, METRICS_PORT: '' });
    expect(run.stderr).not.toContain('Invalid environment');
    expect(run.stderr).toMatch(/server\.js/);
  });
});
