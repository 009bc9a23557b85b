import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { REPO_ROOT, type ServerProcess, startServerProcess } from './support/server-process.js'

/** The README's first shell block after "From request to approval": what a new user pastes. */
function firstScreenScript(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
  const from = readme.indexOf('From request to approval')
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from))?.[1]
  if (from < 0 || !block) throw new Error('README: no first-screen block after "From request to approval"')
  return block
}

describe.each(ENGINES)("the README's first screen, pasted into a shell, on %s", (engine) => {
  let db: TestDatabase
  let server: ServerProcess

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    // The guide's approval() waits up to 10 s for a decision; the server may hold it for less.
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_MAX_CHECK_WAIT: '1s' },
    })
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
  })

  it('gets from the printed token to an approved request, as written', async () => {
    // Step 1 is pasting what the server printed: here, its real values instead of the example ones.
    const script = firstScreenScript()
      .split('\n')
      .filter((line) => !/^export INDENT_/.test(line))
      .join('\n')
    expect(script).toContain('petitions approve')
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/bin/bash',
        ['-e', '-c', script],
        {
          cwd: REPO_ROOT,
          timeout: 120_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            INDENT_API_URL: server.apiUrl,
            INDENT_SPACE: 'default',
            INDENT_API_TOKEN: server.token ?? '',
            // The host-side `token create` finds the server's database where `npm start` keeps it.
            OPENINDENT_DATA_DIR: db.dataDir,
            ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
            LOG_LEVEL: 'silent',
          },
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
          resolve({ code, stdout, stderr })
        },
      )
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines[0]).toBe('{"ok":false,"status":"waiting"}')
    expect(lines).toContainEqual(expect.stringMatching(/^approved \w+ \(1h0m0s\)$/))
    expect(lines.at(-1)).toBe('{"ok":true}')
  }, 120_000)
})
