import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'stand-ins/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'infra/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // End-to-end suites start real processes; keep them from starving each other on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
