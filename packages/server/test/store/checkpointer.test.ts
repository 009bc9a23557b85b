import { statSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { type DatabaseHandle, openDatabase, SQLITE_FILE } from '../../src/store/connect.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

/** About 2 MB in 20 commits: less than SQLite's own checkpoint threshold, so only a checkpointer moves it. */
async function write(handle: DatabaseHandle): Promise<void> {
  await sql`CREATE TABLE blobs (n integer, body text)`.execute(handle.db)
  for (let n = 0; n < 20; n++) {
    await sql`INSERT INTO blobs (n, body) VALUES (${n}, ${'x'.repeat(100_000)})`.execute(handle.db)
  }
}

const fileSize = (database: TestDatabase) => statSync(join(database.dataDir, SQLITE_FILE)).size

async function settle(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return check()
}

describe.each(ENGINES)('the SQLite checkpointer, on %s', (engine) => {
  const opened: { handle: DatabaseHandle; database: TestDatabase }[] = []
  afterEach(async () => {
    for (const { handle, database } of opened.splice(0)) {
      await handle.close()
      await database.drop()
    }
  })

  const open = async (checkpointer: boolean) => {
    const database = await createTestDatabase(engine)
    const handle = openDatabase({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      checkpointer,
    })
    opened.push({ handle, database })
    return { handle, database }
  }

  it('copies committed pages into the database file while the writer goes on', async () => {
    const { handle, database } = await open(true)
    await write(handle)
    if (engine === 'sqlite') {
      // The writer alone would leave them all in the WAL (see the next test).
      expect(await settle(() => fileSize(database) > 2_000_000, 5_000)).toBe(true)
    }
    const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM blobs`.execute(handle.db)
    expect(Number(rows[0]?.n)).toBe(20)
  })

  it('is off unless asked for', async () => {
    const { handle, database } = await open(false)
    await write(handle)
    if (engine === 'sqlite') {
      await new Promise((r) => setTimeout(r, 300))
      expect(fileSize(database)).toBeLessThan(1_000_000)
    }
    await sql`DROP TABLE blobs`.execute(handle.db)
  })

  it('stops with the handle, and what was committed is there on the next open', async () => {
    const { handle, database } = await open(true)
    await write(handle)
    await handle.close()
    opened.splice(0)
    const again = openDatabase({
      databaseUrl: database.databaseUrl,
      dataDir: database.dataDir,
      checkpointer: true,
    })
    opened.push({ handle: again, database })
    const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM blobs`.execute(again.db)
    expect(Number(rows[0]?.n)).toBe(20)
  })
})
