import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// @actions/workflow-parser imports its JSON schema without an import attribute, which Node's own
// loader refuses: let Vitest transform it instead of handing it to Node.
const server = { deps: { inline: ['@actions/workflow-parser'] } };
// Tests load the shared telemetry package from its sources (the apps' builds use its dist/).
const resolve = {
  alias: { '@contextai/telemetry': fileURLToPath(new URL('apps/telemetry/src/index.ts', import.meta.url)) },
};

// Two projects: fast unit tests of pure code, and integration tests that talk to
// the real services of `scripts/stack` (run one file at a time: they share servers).
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
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
        resolve,
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
