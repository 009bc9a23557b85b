#!/usr/bin/env node
// `npm test`'s last step: Vitest over the whole suite. A test file whose worker process died (Node.js
// itself aborted: a V8 fatal error, not a failed test) is run once more, on its own, and the run
// passes only if it then finishes and passes. Anything else (a failed or skipped test, an error that
// is not a dead worker, a file that dies twice) fails the run as before. The reporter decides which
// files qualify (test/support/no-skips-reporter.ts) and says so in the output.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
/** Where the reporter writes the files whose worker died, when they are all that went wrong. */
const LIST_ENV = 'OPENINDENT_TEST_DEAD_WORKERS_FILE'

function vitest(args) {
  const list = join(tmpdir(), `openindent-dead-workers-${process.pid}-${Date.now()}.json`)
  const r = spawnSync(process.execPath, [VITEST, 'run', ...args], {
    stdio: 'inherit',
    env: { ...process.env, [LIST_ENV]: list },
  })
  const dead = existsSync(list) ? JSON.parse(readFileSync(list, 'utf8')) : []
  rmSync(list, { force: true })
  return { code: r.status ?? 1, dead }
}

const args = process.argv.slice(2)
const first = vitest(args)
if (first.code === 0 || first.dead.length === 0) process.exit(first.code)
process.stderr.write(
  `\nRunning again, once, the ${first.dead.length} test file(s) whose worker process died (not a failed test):\n${first.dead.map((f) => `  - ${f}`).join('\n')}\n\n`,
)
process.exit(vitest([...args, ...first.dead]).code)
