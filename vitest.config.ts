import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Engine tests start their own worker threads; keep vitest's own pool small
    // on a 2-core machine so they do not starve each other.
    pool: 'forks',
    maxWorkers: 2,
  },
});
