import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runNode, VITEST_BIN as VITEST } from '../packages/server/test/helpers/run-node.js'
import { REPO_ROOT } from './support/server-process.js'

const REPORTER = join(REPO_ROOT, 'test/support/no-skips-reporter.ts')

// Two files in a directory of their own: one passes, one's worker process dies mid-test as a native
// crash would (SIGKILL: no exit handler, no report of its own).
const dir = mkdtempSync(join(tmpdir(), 'openindent-unfinished-'))
writeFileSync(join(dir, 'lives.test.js'), `it('passes', () => {})\n`)
writeFileSync(
  join(dir, 'dies.test.js'),
  `it('passes first', () => {})\nit('dies', async () => {\n  process.kill(process.pid, 'SIGKILL')\n  await new Promise((r) => setTimeout(r, 5000))\n})\n`,
)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function run(): Promise<{ code: number; output: string }> {
  const r = await runNode(
    [
      VITEST,
      'run',
      '--root',
      dir,
      '--globals',
      '--pool=forks',
      '--reporter=default',
      `--reporter=${REPORTER}`,
    ],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 60_000 },
  )
  return { code: r.code, output: r.stdout + r.stderr }
}

describe('a test file whose worker dies', () => {
  it('is named at the end of the run, and the run fails', async () => {
    const r = await run()
    expect(r.code, r.output).not.toBe(0)
    const tail = r.output.slice(r.output.lastIndexOf('did not finish'))
    expect(r.output, r.output).toMatch(
      /1 test file\(s\) did not finish \(their worker ended\):\n {2}- .*dies\.test\.js/,
    )
    // The file that finished is not named.
    expect(tail).not.toContain('lives.test.js')
  })
})
