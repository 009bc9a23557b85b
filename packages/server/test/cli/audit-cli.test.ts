import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliAccess } from '../../src/cli/context.js'
import { parseCsv } from '../../src/cli/csv.js'
import { loadConfig } from '../../src/config.js'
import { CSV_COLUMNS } from '../../src/domain/audit/csv.js'
import { writeEvents } from '../../src/domain/audit/write.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime } from '../../src/runtime.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

const CLI = fileURLToPath(new URL('../../bin/openindent.js', import.meta.url))
const BUILT = fileURLToPath(new URL('../../dist/cli/audit.js', import.meta.url))

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI as a child process against the test database. */
function openindent(db: TestDatabase, args: string[]): Promise<Run> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    OPENINDENT_DATA_DIR: db.dataDir,
    LOG_LEVEL: 'silent',
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Rewrites one event's reason the way someone with the database in hand would. */
async function tamper(db: TestDatabase, seq: number): Promise<void> {
  const update = "UPDATE events SET body = replace(body, 'second note', 'nothing happened') WHERE seq = "
  if (db.engine === 'sqlite') {
    const sqlite = new SqliteDatabase(join(db.dataDir, 'openindent.db'))
    try {
      sqlite.exec('DROP TRIGGER events_no_update')
      expect(sqlite.prepare(`${update}?`).run(seq).changes).toBe(1)
    } finally {
      sqlite.close()
    }
    return
  }
  const client = new pg.Client({ connectionString: db.databaseUrl })
  await client.connect()
  try {
    await client.query('ALTER TABLE events DISABLE TRIGGER USER')
    expect((await client.query(`${update}$1`, [seq])).rowCount).toBe(1)
  } finally {
    await client.end()
  }
}

describe.each(ENGINES)('openindent audit (the built CLI) on %s', (engine) => {
  let db: TestDatabase
  let head: { seq: number; hash: string }
  let noteSeq: number

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error('the CLI is not built: run `npx tsc -b` first')
    db = await createTestDatabase(engine)
    const config = loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' })
    const rt = await openRuntime(config)
    try {
      await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
      const access = await cliAccess(rt, 'default')
      const written = await writeEvents(rt, access, [
        {
          event: 'app/note',
          reason: 'first note, with "quotes"\nand a second line',
          resources: [
            { kind: 'customer', id: 'c1' },
            { kind: 'customer', id: 'c2' },
          ],
        },
        { event: 'app/other', reason: '=HYPERLINK("http://evil.example")' },
        { event: 'app/note', reason: 'second note', actor: { kind: 'user', email: 'carol@example.com' } },
      ])
      noteSeq = written[2]?.seq ?? 0
      const h = await rt.store.audit.head(access.space.id)
      if (!h) throw new Error('no head')
      head = h
    } finally {
      await rt.close()
    }
  })
  afterAll(() => db?.drop())

  it('verify: ok, with the count and the head', async () => {
    const r = await openindent(db, ['audit', 'verify', '--space', 'default'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      `ok: ${head.seq} events, head ${head.hash}\nok: the grants of 0 petitions are what their events say\n`,
    )
  })

  it('export --format ndjson: one JSON event per line, in chain order', async () => {
    const r = await openindent(db, ['audit', 'export', '--space', 'default', '--format', 'ndjson'])
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(head.seq)
    const events = lines.map(
      (l) => JSON.parse(l) as { seq: number; event: string; reason?: string; hash: string },
    )
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: head.seq }, (_, i) => i + 1))
    expect(events[0]?.event).toBe('space/create')
    expect(events[events.length - 1]?.hash).toBe(head.hash)
    expect(events.find((e) => e.event === 'app/note')?.reason).toBe(
      'first note, with "quotes"\nand a second line',
    )
  })

  it('export --format csv: a header, then one quoted row per event', async () => {
    const r = await openindent(db, ['audit', 'export', '--space', 'default', '--format', 'csv'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[0]).toBe('seq,timestamp,event,actor_kind,actor_id,resources,reason,hash')
    const rows = parseCsv(r.stdout)
    expect(rows[0]).toEqual([...CSV_COLUMNS])
    expect(rows).toHaveLength(head.seq + 1)
    const byEvent = (name: string) => rows.filter((row) => row[2] === name)
    const [first, second] = byEvent('app/note')
    expect(first?.[3]).toBe('openindent.v1.System')
    expect(first?.[5]).toBe('customer/c1;customer/c2')
    expect(first?.[6]).toBe('first note, with "quotes"\nand a second line')
    expect(second?.slice(3, 5)).toEqual(['user', 'carol@example.com'])
    // A spreadsheet must not run it as a formula.
    expect(byEvent('app/other')[0]?.[6]).toBe('\'=HYPERLINK("http://evil.example")')
    expect(rows[rows.length - 1]?.[7]).toBe(head.hash)
  })

  it('export filters, and writes to a file with progress on stderr', async () => {
    const file = join(db.dataDir, 'notes.ndjson')
    const r = await openindent(db, [
      'audit',
      'export',
      '--space',
      'default',
      '--event',
      'app/note',
      '--since',
      '2000-01-01T00:00:00Z',
      '--output',
      file,
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('2 events written to')
    expect(r.stderr).toMatch(/100%/)
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['app/note', 'app/note'])

    const byActor = await openindent(db, [
      'audit',
      'export',
      '--space',
      'default',
      '--actor',
      'carol@example.com',
    ])
    expect(byActor.stdout.trimEnd().split('\n')).toHaveLength(1)
    const none = await openindent(db, [
      'audit',
      'export',
      '--space',
      'default',
      '--until',
      '2000-01-01T00:00:00Z',
    ])
    expect(none).toMatchObject({ code: 0, stdout: '' })
  })

  it('refuses bad input with a one-line message', async () => {
    const bad = await openindent(db, ['audit', 'export', '--space', 'default', '--since', 'last week'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^openindent: --since must be an RFC 3339 time/)
    const format = await openindent(db, ['audit', 'export', '--space', 'default', '--format', 'xml'])
    expect(format.code).not.toBe(0)
    const nowhere = join(db.dataDir, 'no-such-dir', 'out.ndjson')
    const unwritable = await openindent(db, ['audit', 'export', '--space', 'default', '--output', nowhere])
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr).toBe(`openindent: cannot write ${nowhere}: ENOENT\n`)
    const missing = await openindent(db, ['audit', 'verify', '--space', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('openindent: space "nope" not found\n')
  })

  it('verify: exits 1 and names the seq after an event was rewritten in the database', async () => {
    await tamper(db, noteSeq)
    const r = await openindent(db, ['audit', 'verify', '--space', 'default'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(new RegExp(`^broken at seq ${noteSeq}: .*hash`))
    expect(r.stdout).toContain(`(${noteSeq - 1} events intact before it)`)
  })
})
