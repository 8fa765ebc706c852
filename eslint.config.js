import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The import boundaries of docs/ARCHITECTURE.md ("Which folder may import which"). Specifiers are
// relative paths, so each rule matches what a path climbs into.
const TESTS = ['**/__tests__/**', '**/*.test.ts', 'test/**'];
const anotherAction = {
  // From inside actions/: `../../<action>/src|__tests__/…` (actions/lib/ is the shared layer).
  regex: '^(\\.\\./)+(?!lib/)[^./][^/]*/(src|__tests__)(/|$)',
  message:
    "An action's src/ and __tests__/ are its own: move shared code to actions/lib/<domain> (docs/ARCHITECTURE.md).",
};
const actionFromOutside = {
  // From scripts/, apps/, workflows/, test/: `…/actions/<action>/…`.
  regex: '(^|/)actions/(?!lib/)[^/]+/',
  message: 'Use actions/lib/<domain>, never an action’s own folder (docs/ARCHITECTURE.md).',
};
const testCode = {
  regex: '(^|/)(__tests__|test)(/|$)',
  message: 'Production code never imports tests or test helpers (__tests__/, test/).',
};
const restrict = (...patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.stack/**', 'apps/web/.next/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Production code: the actions (adapters and libraries), operator scripts, the apps, the engine.
  {
    files: ['actions/**/*.ts'],
    ignores: TESTS,
    rules: { 'no-restricted-imports': restrict(anotherAction, testCode) },
  },
  {
    files: ['scripts/**/*.ts', 'apps/**/*.ts', 'workflows/**/*.ts'],
    ignores: [...TESTS, 'scripts/bench/**'],
    rules: { 'no-restricted-imports': restrict(actionFromOutside, testCode) },
  },
  // Tests, the shared test helpers (test/) and the benchmarks (which drive the bundles with them)
  // may import test code, never another action's internals.
  {
    files: ['actions/**/__tests__/**/*.ts', 'actions/**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict(anotherAction) },
  },
  {
    files: ['test/**/*.ts', 'scripts/bench/**/*.ts', '{apps,workflows,scripts}/**/__tests__/**/*.ts'],
    rules: { 'no-restricted-imports': restrict(actionFromOutside) },
  },
);
