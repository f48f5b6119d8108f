import { configDefaults, defineConfig } from 'vitest/config';

// Two tiers run by `npm test`:
// - unit (test/unit/): pure code, no Redis, no PostgreSQL, no engine (`npm run test:unit`);
// - integration (every other test file, wherever it is added): real Redis, PostgreSQL, HTTP and
//   processes; each file gets its own database and queue prefix, so files run in parallel safely.
// A third, `npm run test:ops` (test/ops/), needs Debian's redis-server (a local Redis Cluster),
// prometheus/promtool and chromium; `.ci/run` installs them and runs it after `npm test`.
export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  test: {
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/support/leak-guard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/**', 'test/ops/**'],
          globalSetup: ['test/support/global-setup.ts'],
          // After-hooks run in reverse: the file's own teardown, then its Redis keys go, then the leak check.
          setupFiles: ['test/support/leak-guard.ts', 'test/support/redis-cleanup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'ops',
          include: ['test/ops/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/leak-guard.ts', 'test/support/redis-cleanup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
