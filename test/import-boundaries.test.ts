// The import boundaries of docs/ARCHITECTURE.md, as eslint.config.js enforces them: each case lints
// one import as if it were written in that file, with the repository's own ESLint configuration.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './stack-env';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function restricted(file: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, {
    filePath: `${REPO_ROOT}/${file}`,
  });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['an action imports another action’s src/', 'actions/rollback/src/main.ts', '../../deploy-ssh/src/fleet'],
    [
      'an action test imports another action’s src/',
      'actions/rollback/__tests__/x.test.ts',
      '../../deploy-ssh/src/plan',
    ],
    ['a library imports an action', 'actions/lib/release/host.ts', '../../deploy-ssh/src/inputs'],
    [
      'an operator script imports an action',
      'scripts/lib/backup/cli.ts',
      '../../../actions/db-backup/src/main',
    ],
    [
      'the edge config imports an action',
      'apps/proxy/src/params.ts',
      '../../../actions/smoke-test/src/inputs',
    ],
    [
      'an app test imports an action',
      'apps/api/__tests__/x.test.ts',
      '../../../actions/env-validate/src/schema',
    ],
    ['an action imports a test helper', 'actions/deploy-ssh/src/main.ts', '../../../test/run-action'],
    [
      'a library imports another folder’s tests',
      'actions/lib/ssh/session.ts',
      '../../deploy-ssh/__tests__/x',
    ],
    ['a benchmark imports an action’s tests', 'scripts/bench/x.ts', '../../actions/deploy-ssh/__tests__/x'],
    ['an operator script imports a test helper', 'scripts/lib/backup/cli.ts', '../../../test/backup-fixture'],
  ])('refuses: %s', async (_, file, specifier) => {
    expect(await restricted(file, specifier)).not.toEqual([]);
  });

  it.each([
    ['an action imports a library', 'actions/rollback/src/main.ts', '../../lib/release/fleet'],
    ['an action imports its own module', 'actions/rollback/src/main.ts', './inputs'],
    ['an action test imports its own src/', 'actions/rollback/__tests__/x.test.ts', '../src/main'],
    ['a library imports another library', 'actions/lib/release/host.ts', '../ssh/session'],
    ['an operator script imports a library', 'scripts/lib/backup/cli.ts', '../../../actions/lib/action/core'],
    [
      'a test imports a shared test helper',
      'actions/rollback/__tests__/x.test.ts',
      '../../../test/run-action',
    ],
    ['a benchmark imports a shared test helper', 'scripts/bench/x.ts', '../../test/deploy-fixture'],
    ['the engine imports a library', 'workflows/src/masker.ts', '../../actions/lib/action/secrets'],
  ])('allows: %s', async (_, file, specifier) => {
    expect(await restricted(file, specifier)).toEqual([]);
  });
});
