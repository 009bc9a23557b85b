import { sql } from 'kysely'
import type { EngineAdapter } from '../engine.js'

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
  label: (column, key) => sql<string | null>`json_extract(${sql.ref(column)}, ${`$."${key}"`})`,
  announce: async () => {},
}
