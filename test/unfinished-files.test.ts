import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from './support/server-process.js'

const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
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

function run(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
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
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, output: stdout + stderr })
      },
    )
  })
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
