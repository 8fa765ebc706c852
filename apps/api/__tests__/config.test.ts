import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../actions/lib/env/schema';
import { validateVariables } from '../../../actions/lib/env/validate';
import { envFields } from '../src/config/env.schema';
import { ENV_SCHEMA_FILE, envJsonSchemaText } from '../src/config/json-schema';
import { formatProblems, parseConfig } from '../src/config/load-config';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const example = parse(readFileSync(resolve(appDir, '.env.example'), 'utf8'));
const committedSchema = readFileSync(resolve(appDir, ENV_SCHEMA_FILE), 'utf8');
const minimal = { DATABASE_URL: 'postgres://u:p@db:5432/app', REDIS_URL: 'redis://cache:6379' };

describe('env.schema.json', () => {
  it('is current: run `npm run env-schema -w apps/api` after changing src/config/env.schema.ts', () => {
    expect(committedSchema).toBe(envJsonSchemaText());
  });

  it('documents every variable in .env.example, and only those', () => {
    expect(Object.keys(example).sort()).toEqual(Object.keys(envFields.shape).sort());
  });
});

describe('env-validate on the committed schema', () => {
  const schema = compileSchema(JSON.parse(committedSchema), ENV_SCHEMA_FILE);

  it('accepts .env.example', () => {
    const report = validateVariables(schema, example, false);
    expect(report.results.filter((r) => r.status !== 'ok' && r.status !== 'unset')).toEqual([]);
    expect(report.valid).toBe(true);
  });

  it('names each bad variable of a bad env', () => {
    const report = validateVariables(
      schema,
      {
        ...example,
        DATABASE_URL: 'mysql://x',
        REDIS_URL: '',
        PORT: '70000',
        DATABASE_SSL: 'maybe',
        NODE_ENV: 'prod',
      },
      false,
    );
    expect(report.valid).toBe(false);
    expect(report.missing).toEqual(['REDIS_URL']);
    expect(report.invalid.sort()).toEqual(['DATABASE_SSL', 'DATABASE_URL', 'NODE_ENV', 'PORT']);
  });

  it('agrees with the app on what is valid', () => {
    for (const env of [
      example,
      minimal,
      { ...minimal, PORT: 'x' },
      { ...minimal, DATABASE_SSL: 'YES' },
      { ...minimal, DATABASE_SSL: 'enabled' },
      { ...minimal, HEALTH_CHECK_TIMEOUT_MS: '10' },
      { ...minimal, DATABASE_POOL_MAX: '2.5' },
      { REDIS_URL: minimal.REDIS_URL },
      { ...minimal, METRICS_PORT: 'x' },
      { ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' },
      { ...minimal, OTEL_EXPORTER_OTLP_HEADERS: 'api-key' },
      { ...minimal, OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc,x-team=a%20b' },
      { ...minimal, OTEL_TRACES_SAMPLER: 'ratio' },
      { ...minimal, OTEL_TRACES_SAMPLER_ARG: '1.5' },
      { ...minimal, LOG_FILE_SIZE: '10' },
      { ...minimal, LOG_FILE_FREQUENCY: 'weekly' },
    ]) {
      expect(validateVariables(schema, env, true).valid, JSON.stringify(env)).toBe(parseConfig(env).ok);
    }
  });
});

describe('parseConfig', () => {
  it('applies defaults and converts types', () => {
    const result = parseConfig({ ...minimal, DATABASE_SSL: 'on', APP_VERSION: '' });
    expect(result).toMatchObject({ ok: true, config: { PORT: 3000, HOST: '0.0.0.0', DATABASE_SSL: true } });
    expect(result.ok && result.config.APP_VERSION).toBeUndefined();
  });

  it('lists every problem by name, without echoing values', () => {
    const secret = 'postgres-secret-canary';
    const result = parseConfig({ DATABASE_URL: `mysql://${secret}`, PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(result.ok).toBe(false);
    const message = formatProblems(result.ok ? [] : result.problems);
    expect(message).toContain('Invalid environment (4 problems)');
    expect(message).toContain('- DATABASE_URL: expected a postgres:// or postgresql:// URL');
    expect(message).toContain('- REDIS_URL: required');
    expect(message).toContain('- PORT: expected number');
    expect(message).toContain(
      '- LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, log, verbose',
    );
    expect(message).not.toContain(secret);
  });

  it('keeps the metrics listener off the app port', () => {
    const result = parseConfig({ ...minimal, PORT: '3000', METRICS_PORT: '3000' });
    expect(result.ok ? [] : result.problems).toEqual([
      'METRICS_PORT: must differ from PORT (the edge routes PORT; metrics stay on their own listener)',
    ]);
    expect(parseConfig({ ...minimal, METRICS_PORT: '9464' })).toMatchObject({
      ok: true,
      config: { METRICS_PORT: 9464, METRICS_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    });
  });
});
