import { writeFileSync } from 'node:fs'
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node'
import { POSTGRES_ABSENT_ENV } from '../../packages/server/test/helpers/databases.js'

const FINISHED = new Set(['passed', 'failed', 'skipped'])
/** Set by scripts/test-run.mjs: a file to list the test files whose worker died in. */
const DEAD_WORKERS_ENV = 'OPENINDENT_TEST_DEAD_WORKERS_FILE'

/** The error Vitest reports for a worker process that exited in the middle of a file. */
function isDeadWorker(error: unknown): boolean {
  const e = error as { message?: unknown; cause?: { message?: unknown } } | undefined
  return /Worker exited unexpectedly|Worker \w+ emitted error/.test(`${e?.message} ${e?.cause?.message}`)
}

/** With CI=true, every skipped test, by file and name (outside CI, none count). */
function skippedInCi(modules: ReadonlyArray<TestModule>): string[] {
  if (!process.env.CI) return []
  const skipped: string[] = []
  for (const mod of modules) {
    for (const test of mod.children.allTests()) {
      if (test.result().state === 'skipped') skipped.push(`${mod.moduleId}: ${test.fullName}`)
    }
  }
  return skipped
}

/**
 * In CI, a skipped test is a failure: a suite that quietly skipped itself (no PostgreSQL, no browser)
 * would otherwise pass green while testing nothing. Every run also names the test files that never
 * finished: a worker that dies (a native crash) is otherwise reported without its file.
 */
export default class NoSkipsReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    errors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): void {
    const unfinished = modules.filter((m) => !FINISHED.has(m.state())).map((m) => m.moduleId)
    // An interrupted run (Ctrl-C, --bail) leaves files unstarted on purpose.
    if (unfinished.length > 0 && reason !== 'interrupted') {
      process.stderr.write(
        `\n${unfinished.length} test file(s) did not finish (their worker ended):\n${unfinished.map((f) => `  - ${f}`).join('\n')}\n`,
      )
      process.exitCode = 1
      // When dead workers are all that went wrong, scripts/test-run.mjs runs their files once more.
      const list = process.env[DEAD_WORKERS_ENV]
      const failed = modules.some((m) => m.state() === 'failed')
      if (list && !failed && errors.every(isDeadWorker) && skippedInCi(modules).length === 0) {
        writeFileSync(list, JSON.stringify(unfinished))
      }
    }
    const absent = process.env[POSTGRES_ABSENT_ENV]
    if (absent && !process.env.CI) {
      process.stderr.write(
        `\nPostgreSQL is not reachable at ${absent}: the PostgreSQL suites were skipped (SQLite ran). To run them, start PostgreSQL there (trust auth, database "test") or set OPENINDENT_TEST_PG_URL=postgres://user@host:port/db; CI=true requires PostgreSQL.\n`,
      )
    }
    const skipped = skippedInCi(modules)
    if (skipped.length === 0) return
    process.stderr.write(
      `\nCI=true and ${skipped.length} test(s) were skipped:\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`,
    )
    process.exitCode = 1
  }
}
