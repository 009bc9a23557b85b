import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { runNode, VITEST_BIN as VITEST } from '../packages/server/test/helpers/run-node.js'
import { REPO_ROOT } from './support/server-process.js'

// One suite with both engines and one that exists only on PostgreSQL: small, so two runs stay quick.
const SUITES = [
  'packages/server/test/store/migrations.test.ts',
  'packages/server/test/store/listener.test.ts',
]

interface Run {
  code: number
  output: string
}

/** Runs vitest on SUITES as `npm test` would, with PostgreSQL pointed at a port nothing listens on. */
async function vitestWithoutPostgres(ci: boolean): Promise<Run> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    OPENINDENT_TEST_PG_URL: `postgres://postgres@127.0.0.1:${port}/test`,
    ...(ci ? { CI: 'true' } : {}),
  }
  const r = await runNode(
    [VITEST, 'run', '--reporter=default', '--reporter=./test/support/no-skips-reporter.ts', ...SUITES],
    { cwd: REPO_ROOT, env, timeout: 120_000 },
  )
  return { code: r.code, output: r.stdout + r.stderr }
}

describe('npm test on a machine without PostgreSQL', () => {
  it('outside CI: the SQLite suites run, the PostgreSQL ones are skipped, and one line says how to run them', async () => {
    const r = await vitestWithoutPostgres(false)
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(
      /PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test: the PostgreSQL suites were skipped \(SQLite ran\)\. To run them, .*OPENINDENT_TEST_PG_URL=/,
    )
    expect(r.output).toMatch(/3 passed/)
  })

  it('with CI=true: PostgreSQL is required, so the run fails instead of skipping', async () => {
    const r = await vitestWithoutPostgres(true)
    expect(r.code).not.toBe(0)
    expect(r.output).not.toContain('PostgreSQL is not reachable')
    expect(r.output).toMatch(/failed/)
  })
})
