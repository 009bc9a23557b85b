import type BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import type { EngineAdapter, RowStatement } from '../engine.js'

/**
 * SQLite: one writer at a time. A write transaction starts with BEGIN IMMEDIATE, taking the write lock
 * up front, so a second process (the CLI beside a running server) waits on busy_timeout instead of
 * failing mid-transaction with SQLITE_BUSY; that lock already excludes other writers, so rows need no
 * locks of their own. Other processes learn of commits through `PRAGMA data_version` (see connect).
 */
export const sqliteAdapter: EngineAdapter = {
  engine: 'sqlite',
  types: { time: 'integer', json: 'text' },
  writeTransaction(db, fn) {
    return db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn)
      try {
        const result = await fn(conn)
        await sql`COMMIT`.execute(conn)
        return result
      } catch (err) {
        await sql`ROLLBACK`.execute(conn)
        throw err
      }
    })
  },
  lockRows: (q) => q,
  lockName: async () => {},
  label: (column, key) => sql<string | null>`json_extract(${sql.ref(column)}, ${`$."${key}"`})`,
  announce: async () => {},
}

/** The adapter of one open database, with row statements on its connection (see `rowStatement`). */
export function sqliteAdapterOn(sqlite: BetterSqlite3.Database): EngineAdapter {
  const statements = new Map<string, RowStatement>()
  return {
    ...sqliteAdapter,
    rowStatement(text) {
      let statement = statements.get(text)
      if (!statement) {
        const prepared = sqlite.prepare(text)
        const reader = prepared.reader
        if (reader) prepared.raw(true)
        statement = {
          get: (params) => (reader ? (prepared.get(params) as unknown[] | undefined) : undefined),
          run: (params) => prepared.run(params).changes,
        }
        statements.set(text, statement)
      }
      return statement
    },
  }
}
