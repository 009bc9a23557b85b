import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from '../../../../test/support/server-process.js'
import { requireBuiltCli } from '../helpers/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))
const EXAMPLES = fileURLToPath(new URL('../../../../examples/policies/', import.meta.url))
const SET = join(EXAMPLES, 'policies.cedar')
const CASES = join(EXAMPLES, 'cases.json')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
      },
    )
  })
}

describe('openindent policies test (offline, for CI)', () => {
  let dir: string
  beforeAll(() => {
    requireBuiltCli()
    dir = mkdtempSync(join(tmpdir(), 'openindent-policies-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('exits 0 when every case of the README examples matches', async () => {
    const r = await run(['policies', 'test', CASES, '--policies', SET])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^PASS on-call engineer on a pro customer: permit \(oncall-pro\)$/m)
    expect(r.stdout).toMatch(/7 passed, 0 failed\n$/)
  })

  it('exits 1 on a mismatch and names the case', async () => {
    const cases = JSON.parse(readFileSync(CASES, 'utf8')) as {
      cases: { expect: string; approvals?: number }[]
    }
    const first = cases.cases[0]
    if (!first) throw new Error('no cases')
    first.expect = 'forbid'
    const path = join(dir, 'wrong.json')
    writeFileSync(path, JSON.stringify(cases))
    const r = await run(['policies', 'test', path, '--policies', SET])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      /^FAIL on-call engineer on a pro customer: expected forbid, got permit \(oncall-pro\)$/m,
    )
    expect(r.stdout).toMatch(/6 passed, 1 failed\n$/)
  })

  it('exits non-zero on a policy set that does not validate, with the position', async () => {
    const path = join(dir, 'bad.cedar')
    writeFileSync(
      path,
      '@id("typo")\npermit(principal, action, resource)\nwhen { resource.plann == "pro" };\n',
    )
    const r = await run(['policies', 'test', CASES, '--policies', path])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/line 3, column 8: .*attribute `plann`/)
  })

  it('exits 2 on a case file that is not one', async () => {
    const path = join(dir, 'cases.json')
    writeFileSync(path, JSON.stringify({ cases: [{ name: 'x', expect: 'maybe' }] }))
    const r = await run(['policies', 'test', path, '--policies', SET])
    expect(r.code).toBe(2)
  })
})

describe.each(ENGINES)('openindent policies list, put, delete (the built CLI, over HTTP) on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let dir: string
  const policies = (...args: string[]) =>
    run(['policies', ...args], {
      INDENT_API_URL: server.apiUrl,
      INDENT_SPACE: 'default',
      INDENT_API_TOKEN: server.token ?? '',
    })

  beforeAll(async () => {
    requireBuiltCli()
    dir = mkdtempSync(join(tmpdir(), 'openindent-policies-'))
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
    if (!server.token) throw new Error(`the server printed no bootstrap token:\n${server.output()}`)
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('puts (creates, then replaces), lists and deletes; an invalid file is refused with its position', async () => {
    const file = join(dir, 'pro.cedar')
    writeFileSync(
      file,
      '@duration("1h")\npermit(principal in Group::"oncall", action, resource)\nwhen { resource.hasTag("plan") && resource.getTag("plan") == "pro" };\n',
    )
    expect(await policies('put', 'oncall-pro', '--file', file)).toMatchObject({
      code: 0,
      stdout: 'put policy oncall-pro (enforce), set version 1\n',
    })
    expect(await policies('put', 'oncall-pro', '--file', file, '--mode', 'shadow')).toMatchObject({
      code: 0,
      stdout: 'put policy oncall-pro (shadow), set version 2\n',
    })
    expect((await policies('list')).stdout).toBe('oncall-pro\tshadow\tpermit\tduration=1h0m0s\t2\n')

    const bad = join(dir, 'bad.cedar')
    writeFileSync(bad, 'forbid(principal, action, resource) when { context.weekdy == "Sunday" };')
    const refused = await policies('put', 'bad', '--file', bad)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/line 1, column 44: .*weekdy/)

    expect(await policies('delete', 'oncall-pro')).toMatchObject({
      code: 0,
      stdout: 'deleted policy oncall-pro\n',
    })
    expect((await policies('list')).stdout).toBe('')
  })
})
