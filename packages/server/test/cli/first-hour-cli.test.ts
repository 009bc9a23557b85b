import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from '../../../../test/support/server-process.js'
import { requireBuiltCli } from '../helpers/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI with exactly this environment (no INDENT_* unless given), in `cwd`. */
function run(args: string[], env: Record<string, string>, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Runs a shell pipeline, as a user would type it. */
function shell(command: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', command],
      { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** A port nothing listens on: free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

describe.each(ENGINES)('the CLI in the first hour, against a real server on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let files: string
  let env: Record<string, string>

  beforeAll(async () => {
    requireBuiltCli()
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
    env = { INDENT_API_URL: server.apiUrl, INDENT_SPACE: 'default', INDENT_API_TOKEN: server.token ?? '' }
    files = mkdtempSync(join(tmpdir(), 'openindent-files-'))
    writeFileSync(join(files, 'one.csv'), 'kind,id,displayName\ncustomer,c1,Acme\n')
    writeFileSync(join(files, 'two.csv'), 'kind,id,displayName\ncustomer,c1,Acme Corp\ncustomer,c2,Globex\n')
    writeFileSync(join(files, 'bad-row.csv'), 'kind,id\ncustomer,c3\ncustomer,\n')
    writeFileSync(join(files, 'customers.txt'), 'customer c1\n')
    const many = Array.from({ length: 3000 }, (_, i) => ({ kind: 'account', id: `a${i}` }))
    writeFileSync(join(files, 'many.json'), JSON.stringify(many))
  })
  afterAll(async () => {
    await server?.stop()
    await db?.drop()
    if (files) rmSync(files, { recursive: true, force: true })
  })

  it('upload says what it did, in the singular for one; list starts with a header row', async () => {
    const one = await run(['resources', 'upload', join(files, 'one.csv')], env)
    expect(one.code).toBe(0)
    expect(one.stdout).toBe('1 resource uploaded: 1 new, 0 updated, 0 unchanged\n')
    const two = await run(['resources', 'upload', join(files, 'two.csv')], env)
    expect(two.stdout).toBe('2 resources uploaded: 1 new, 1 updated, 0 unchanged\n')
    const again = await run(['resources', 'upload', join(files, 'two.csv')], env)
    expect(again.stdout).toBe('2 resources uploaded: 0 new, 0 updated, 2 unchanged\n')
    const many = await run(['resources', 'upload', join(files, 'many.json'), '--chunk-size', '1000'], env)
    expect(many.stdout).toBe('3,000 resources uploaded: 3,000 new, 0 updated, 0 unchanged\n')

    const list = await run(['resources', 'list', '--kind', 'customer'], env)
    expect(list.code).toBe(0)
    const [header, ...rows] = list.stdout.trimEnd().split('\n')
    expect(header).toBe('name\tkind\tid\tdisplayName\tlabels')
    expect(rows.map((r) => r.split('\t').slice(1, 4))).toEqual(
      expect.arrayContaining([
        ['customer', 'c1', 'Acme Corp'],
        ['customer', 'c2', 'Globex'],
      ]),
    )
    expect(rows).toHaveLength(2)
    const json = await run(['resources', 'list', '--kind', 'customer', '--json'], env)
    expect(json.stdout.split('\n')[0]).toMatch(/^\{/)
  })

  it('`| head` ends the listing quietly: no EPIPE, no stack', async () => {
    const r = await shell(`"${process.execPath}" "${CLI}" resources list | head -n 2`, env)
    expect(r.stderr).toBe('')
    expect(r.stdout.split('\n')[0]).toBe('name\tkind\tid\tdisplayName\tlabels')
  })

  it('file mistakes are one line each: a missing file, a .txt file, the CSV row at fault', async () => {
    const [missing, txt, badRow] = await Promise.all([
      run(['resources', 'upload', join(files, 'nope.csv')], env),
      run(['resources', 'upload', join(files, 'customers.txt')], env),
      run(['resources', 'upload', join(files, 'bad-row.csv')], env),
    ])
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `openindent: ${join(files, 'nope.csv')}: no such file\n`,
    })
    expect(txt.code).toBe(1)
    expect(txt.stderr).toMatch(
      /^openindent: .*customers\.txt: cannot read a \.txt file: use a \.csv file .* or a \.json file/,
    )
    expect(txt.stderr.split('\n')).toHaveLength(2)
    expect(badRow.code).toBe(1)
    // The header is row 1: the second resource is on row 3, as an editor numbers it.
    expect(badRow.stderr).toMatch(/^openindent: .*bad-row\.csv: row 3 \(id\): .*\n$/)
  })

  it('a missing token or space names the flag and the variable; nothing reaches stdout', async () => {
    const [noToken, noSpace] = await Promise.all([
      run(['resources', 'list'], { INDENT_API_URL: server.apiUrl, INDENT_SPACE: 'default' }),
      run(['resources', 'list'], { INDENT_API_URL: server.apiUrl, INDENT_API_TOKEN: server.token ?? '' }),
    ])
    expect(noToken.code).toBe(2)
    expect(noToken.stdout).toBe('')
    expect(noToken.stderr).toMatch(/^openindent: no API token: pass --token TOKEN or set INDENT_API_TOKEN /)
    expect(noToken.stderr).not.toMatch(/dashboard/)
    expect(noSpace).toEqual({
      code: 2,
      stdout: '',
      stderr: 'openindent: no space: pass --space NAME or set INDENT_SPACE\n',
    })
    // The flags do what the message says.
    const flags = await run(
      ['resources', 'list', '--kind', 'customer', '--space', 'default', '--token', server.token ?? ''],
      { INDENT_API_URL: server.apiUrl },
    )
    expect(flags.code).toBe(0)
  })

  it('a URL without /v1 is told to add it; a server that is down is named, after the retries', async () => {
    const down = `http://127.0.0.1:${await freePort()}/v1`
    const [noV1, refused] = await Promise.all([
      run(['resources', 'list'], { ...env, INDENT_API_URL: server.url }),
      run(['resources', 'list'], { ...env, INDENT_API_URL: down }),
    ])
    expect(noV1.code).toBe(1)
    expect(noV1.stderr).toContain('did you mean /v1/spaces/default/resources?')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `openindent: Connection error: could not reach ${down}/spaces/default/resources (ECONNREFUSED) after 3 attempts; is the server running, and is INDENT_API_URL (baseURL) right?\n`,
    )
  })

  it('serve on a port in use says which port and how to pick another', async () => {
    const port = new URL(server.url).port
    const dir = mkdtempSync(join(tmpdir(), 'openindent-busy-'))
    try {
      const r = await run(['serve', '--port', port], { OPENINDENT_DATA_DIR: dir, LOG_LEVEL: 'silent' })
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(
        `openindent: port ${port} on 127.0.0.1 is already in use (another OpenIndent?): stop that process, or pick another port with --port N or PORT=N (0 picks a free one)\n`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the CLI on this host, without a server', () => {
  let dir: string
  beforeAll(() => {
    requireBuiltCli()
    dir = mkdtempSync(join(tmpdir(), 'openindent-host-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('a data dir without a database is an error for every command but serve and migrate, and stays uncreated', async () => {
    const wrong = join(dir, 'typo')
    const envWrong = { OPENINDENT_DATA_DIR: wrong, LOG_LEVEL: 'silent' }
    const runs = await Promise.all([
      run(['space', 'list'], envWrong),
      run(['token', 'create', '--space', 'default', '--service-account', 'ci', '--role', 'viewer'], envWrong),
      run(['audit', 'verify'], envWrong),
    ])
    for (const r of runs) {
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `openindent: no OpenIndent database at ${join(wrong, 'openindent.db')}: set OPENINDENT_DATA_DIR (or --data-dir) to the directory the server uses, or DATABASE_URL for PostgreSQL; \`openindent serve\` or \`openindent migrate\` creates a new one\n`,
      )
    }
    expect(existsSync(wrong)).toBe(false)
    const migrated = await run(['migrate'], envWrong)
    expect(migrated.code).toBe(0)
    expect(migrated.stdout).toMatch(/^applied: 0001_initial/)
    const listed = await run(['space', 'list'], envWrong)
    expect(listed).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('serve writes its log lines to stderr: stdout holds only what people and scripts read', async () => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        LOG_LEVEL: 'info',
        OPENINDENT_DATA_DIR: join(dir, 'served'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      await expect
        .poll(() => stdout.includes('INDENT_API_TOKEN=') && stderr.includes('"msg"'), { timeout: 20_000 })
        .toBe(true)
    } finally {
      child.kill('SIGTERM')
      await exited
    }
    expect(stdout).toMatch(/^OpenIndent listening on http:\/\/127\.0\.0\.1:\d+\n/)
    expect(stdout).not.toContain('"level"')
    expect(stderr).toContain('"msg":"database migrated"')
  })

  it('token create --help says what happens without --role', async () => {
    const r = await run(['token', 'create', '--help'], {})
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'with --role it is created if missing, without --role it must exist and keeps its roles',
    )
  })
})
