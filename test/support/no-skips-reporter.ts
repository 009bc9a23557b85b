import type { Reporter, TestModule } from 'vitest/node'
import { POSTGRES_ABSENT_ENV } from '../../packages/server/test/helpers/databases.js'

/**
 * In CI, a skipped test is a failure: a suite that quietly skipped itself (no PostgreSQL, no browser)
 * would otherwise pass green while testing nothing.
 */
export default class NoSkipsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const absent = process.env[POSTGRES_ABSENT_ENV]
    if (absent && !process.env.CI) {
      process.stderr.write(
        `\nPostgreSQL is not reachable at ${absent}: the PostgreSQL suites were skipped (SQLite ran). To run them, start PostgreSQL there (trust auth, database "test") or set OPENINDENT_TEST_PG_URL=postgres://user@host:port/db; CI=true requires PostgreSQL.\n`,
      )
    }
    if (!process.env.CI) return
    const skipped: string[] = []
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        if (test.result().state === 'skipped') skipped.push(`${mod.moduleId}: ${test.fullName}`)
      }
    }
    if (skipped.length === 0) return
    process.stderr.write(
      `\nCI=true and ${skipped.length} test(s) were skipped:\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`,
    )
    process.exitCode = 1
  }
}
