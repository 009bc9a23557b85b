import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runNode, VITEST_BIN as VITEST } from '../packages/server/test/helpers/run-node.js'
import { REPO_ROOT } from './support/server-process.js'

const REPORTER = join(REPO_ROOT, 'test/support/no-skips-reporter.ts')
const TEST_RUN = join(REPO_ROOT, 'scripts/test-run.mjs')

// Two files in a directory of their own: one passes, one's worker process dies mid-test as a native
// crash would (SIGKILL: no exit handler, no report of its own).
const dir = mkdtempSync(join(tmpdir(), 'openindent-unfinished-'))
writeFileSync(join(dir, 'lives.test.js'), `it('passes', () => {})\n`)
writeFileSync(
  join(dir, 'dies.test.js'),
  `it('passes first', () => {})\nit('dies', async () => {\n  process.kill(process.pid, 'SIGKILL')\n  await new Promise((r) => setTimeout(r, 5000))\n})\n`,
)
// For the test command's second chance: a file whose worker dies on its first run only (it leaves a
// mark), and a file with a failing test.
const once = mkdtempSync(join(tmpdir(), 'openindent-dies-once-'))
writeFileSync(join(once, 'lives.test.js'), `it('passes', () => {})\n`)
writeFileSync(
  join(once, 'dies-once.test.js'),
  `const { existsSync, writeFileSync } = require('node:fs')\nconst mark = ${JSON.stringify(join(once, 'died'))}\nit('dies the first time only', async () => {\n  if (existsSync(mark)) return\n  writeFileSync(mark, '')\n  process.kill(process.pid, 'SIGKILL')\n  await new Promise((r) => setTimeout(r, 5000))\n})\n`,
)
const failing = mkdtempSync(join(tmpdir(), 'openindent-fails-'))
writeFileSync(join(failing, 'fails.test.js'), `it('fails', () => { throw new Error('no') })\n`)
writeFileSync(
  join(failing, 'dies.test.js'),
  `it('dies', async () => {\n  process.kill(process.pid, 'SIGKILL')\n  await new Promise((r) => setTimeout(r, 5000))\n})\n`,
)
afterAll(() => {
  for (const d of [dir, once, failing]) rmSync(d, { recursive: true, force: true })
})

/** Vitest on `root` with the reporter; through the test command's script when `script` is set. */
async function run(root = dir, script = false): Promise<{ code: number; output: string }> {
  const r = await runNode(
    [
      script ? TEST_RUN : VITEST,
      ...(script ? [] : ['run']),
      '--root',
      root,
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

  it('the test command runs a file whose worker died once more, and passes when it then passes', async () => {
    const r = await run(once, true)
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(
      /Running again, once, the 1 test file\(s\) whose worker process died \(not a failed test\):\n {2}- .*dies-once\.test\.js/,
    )
  })

  it('the test command fails when the file dies again, after one second run', async () => {
    const r = await run(dir, true)
    expect(r.code, r.output).not.toBe(0)
    expect(r.output.match(/Running again, once/g)).toHaveLength(1)
    expect(r.output.match(/did not finish \(their worker ended\)/g)).toHaveLength(2)
  })

  it('the test command runs nothing again when a test also failed', async () => {
    const r = await run(failing, true)
    expect(r.code, r.output).not.toBe(0)
    expect(r.output).toContain('did not finish (their worker ended)')
    expect(r.output).not.toContain('Running again')
  })
})
