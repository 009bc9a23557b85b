import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Workspace packages resolve to their TypeScript sources in tests; child processes use the built dist.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time even on a 2-core machine (Vitest's default there is one): most suites spend
    // their time waiting on child processes, PostgreSQL, a browser or a timer, not on the CPU.
    maxWorkers: 2,
    reporters: ['default', './test/support/no-skips-reporter.ts'],
    // Outside CI, a machine without PostgreSQL runs the SQLite suites and says what it skipped.
    globalSetup: ['./test/support/postgres-probe.ts'],
  },
})
