import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everythingPrinted, runAction } from '../../../test/run-action';

// The bundled action, run exactly as GitHub's runner runs it.
const fixtures = join(import.meta.dirname, 'fixtures');
const schema = join(fixtures, 'schema.json');
const scratch = mkdtempSync(join(tmpdir(), 'env-validate-'));

function envFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('env-validate (dist)', () => {
  it('passes a valid env file and writes a summary table', async () => {
    const result = await runAction('env-validate', {
      schema,
      'env-file': join(fixtures, 'valid.env'),
      environment: 'staging',
    });
    expect(result.code).toBe(0);
    expect(result.outputs).toEqual({ valid: 'true', missing: '', invalid: '' });
    expect(result.summary).toContain('Environment variables for `staging`');
    expect(result.summary).toContain('<td>DATABASE_URL</td><td>✅ ok</td>');
    expect(result.summary).toContain('<td>LOG_LEVEL</td><td>➖ unset</td>');
  });

  it('reports missing and invalid variables together and never prints a value', async () => {
    const canary = 'CANARY-7f3a9-do-not-print';
    const path = envFile(
      'bad.env',
      [`NODE_ENV=${canary}`, 'PORT=0', `DATABASE_URL=${canary} not a uri`, `FEATURE_SEARCH=${canary}`].join(
        '\n',
      ),
    );
    const result = await runAction(
      'env-validate',
      { schema, 'env-file': path, 'allow-extra': 'false' },
      {
        env: { RUNNER_DEBUG: '1' },
      },
    );
    expect(result.code).toBe(1);
    expect(result.outputs).toEqual({
      valid: 'false',
      missing: 'API_TOKEN',
      invalid: 'NODE_ENV,PORT,DATABASE_URL,FEATURE_SEARCH',
    });
    expect(result.stdout).toContain('1 missing, 4 invalid');
    expect(result.stdout).toContain('API_TOKEN: missing, required but not set');
    expect(result.stdout).toContain('PORT: invalid, expected a number >= 1');
    expect(result.stdout).toContain('DATABASE_URL: invalid, expected format uri');
    expect(result.stdout).toContain('FEATURE_SEARCH: invalid, expected boolean');
    expect(everythingPrinted(result)).not.toContain('CANARY');
  });

  it('rejects variables the schema does not declare when allow-extra is false', async () => {
    const path = envFile(
      'extra.env',
      'NODE_ENV=test\nPORT=1\nDATABASE_URL=https://a.example\nAPI_TOKEN=tok_aaaaaaaaaaaaaaaa\nUNDECLARED=x\n',
    );
    const loose = await runAction('env-validate', { schema, 'env-file': path });
    expect(loose.code).toBe(0);
    const strict = await runAction('env-validate', { schema, 'env-file': path, 'allow-extra': 'false' });
    expect(strict.code).toBe(1);
    expect(strict.outputs.invalid).toBe('UNDECLARED');
  });

  it("validates the step's own environment when no env file is given", async () => {
    const env = {
      NODE_ENV: 'production',
      PORT: '3000',
      DATABASE_URL: 'postgres://db/x',
      API_TOKEN: 'tok_0123456789abcdef',
    };
    const ok = await runAction('env-validate', { schema }, { env });
    expect(ok.code).toBe(0);
    const bad = await runAction('env-validate', { schema }, { env: { ...env, PORT: 'http' } });
    expect(bad.code).toBe(1);
    expect(bad.outputs.invalid).toBe('PORT');
  });

  it.each([
    [
      'a missing schema',
      { schema: join(scratch, 'nope.json') },
      'does not exist. Set `schema` to a JSON Schema file',
    ],
    ['a schema that is not JSON', { schema: envFile('broken.json', '{ nope') }, 'is not valid JSON'],
    [
      'a schema that is not JSON Schema',
      { schema: envFile('wrong.json', '{"properties":{"A":{"type":7}}}') },
      'is not a valid JSON Schema',
    ],
    [
      'a missing env file',
      { schema, 'env-file': join(scratch, 'missing.env') },
      'does not exist. Write the environment',
    ],
    ['no schema input', { schema: '' }, '`schema` is required'],
    ['a bad boolean', { schema, 'allow-extra': 'sometimes' }, '`allow-extra` must be `true` or `false`'],
  ])('fails clearly on %s', async (_, inputs, message) => {
    const result = await runAction('env-validate', inputs);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(message);
  });

  it('fails clearly on a schema path that cannot be read', async () => {
    const result = await runAction('env-validate', { schema: scratch });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('cannot be read (EISDIR)');
  });
});
