import { defineConfig } from 'vitest/config';

// @actions/workflow-parser imports its JSON schema without an import attribute, which Node's own
// loader refuses: let Vitest transform it instead of handing it to Node.
const server = { deps: { inline: ['@actions/workflow-parser'] } };

// Two projects: fast unit tests of pure code, and integration tests that talk to
// the real services of `scripts/stack` (run one file at a time: they share servers).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          server,
          include: [
            'actions/*/__tests__/**/*.test.ts',
            'actions/lib/*/__tests__/**/*.test.ts',
            'workflows/__tests__/**/*.test.ts',
            'apps/*/__tests__/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          server,
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
