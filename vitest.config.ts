import { defineConfig } from 'vitest/config';

// Three projects, run in this order by `npm test`: unit (no I/O), int (real Postgres/Redis/RabbitMQ,
// each file in its own database cloned from a migrated template), e2e (whole processes, black box).
const ignored = ['**/node_modules/**', '**/.tools/**', '**/dist/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/test/**/*.test.ts', 'infra/test/**/*.test.ts'],
          exclude: [...ignored, '**/*.int.test.ts', 'e2e/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: [...ignored, 'e2e/**'],
          globalSetup: ['infra/test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          exclude: ignored,
          globalSetup: ['infra/test/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
