import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { EngineAdapter } from './engine.js'
import { postgresAdapter } from './postgres/adapter.js'
import { preparingPool } from './postgres/prepared.js'
import type { Database, Engine } from './schema.js'
import { sqliteAdapterOn } from './sqlite/adapter.js'
import { startCheckpointer, WRITER_CHECKPOINT_PAGES } from './sqlite/checkpointer.js'
import { withStatementCache } from './sqlite/statement-cache.js'

export interface DatabaseOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined
  dataDir: string
  /** PostgreSQL pool size. */
  poolSize?: number
  /** SQLite: checkpoint from a thread of its own (see sqlite/checkpointer.ts); for the server. */
  checkpointer?: boolean
}

export interface DatabaseHandle {
  db: Kysely<Database>
  engine: Engine
  adapter: EngineAdapter
  /** A human-readable location, for logs (no password). */
  location: string
  /** SQLite only: changes when another connection (another process) commits. */
  dataVersion?: () => number
  /** PostgreSQL only: the pool, for the rate limiter's counters (store/rate-limits.ts). */
  pool?: pg.Pool
  close(): Promise<void>
}

const INT8_OID = 20
/** SQLite page cache, as a negative number of KiB (64 MiB): keeps the resource indexes hot during bulk upserts. */
export const SQLITE_CACHE_KIB = -65536

/** The SQLite database's file name inside the data directory. */
export const SQLITE_FILE = 'openindent.db'

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10)
  return openSqlite(options.dataDir, options.checkpointer === true)
}

function openSqlite(dataDir: string, checkpointer: boolean): DatabaseHandle {
  mkdirSync(dataDir, { recursive: true })
  const file = join(dataDir, SQLITE_FILE)
  const sqlite = new SqliteDatabase(file)
  sqlite.pragma('journal_mode = WAL')
  // FULL: a commit is on disk before we answer, so a crash (even of the machine) loses nothing committed.
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 10000')
  sqlite.pragma(`cache_size = ${SQLITE_CACHE_KIB}`)
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`)
  const checkpoints = checkpointer ? startCheckpointer(file) : undefined
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  // Read on the connection that writes: data_version changes only for commits made by other
  // connections, so this process's own commits (whose caches are dropped narrowly, by their events)
  // do not read as another process's write and drop every cache. Nothing here iterates a statement,
  // so the connection is never busy when it is read.
  const version = sqlite.prepare('PRAGMA data_version').pluck()
  const dataVersion = () => version.get() as number
  return {
    db,
    engine: 'sqlite',
    adapter: sqliteAdapterOn(sqlite),
    location: file,
    dataVersion,
    close: async () => {
      await checkpoints?.stop()
      await db.destroy()
    },
  }
}

function openPostgres(url: string, max: number): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Times are bigint epoch milliseconds: safe as JS numbers for the next 285,000 years.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) })
  return {
    db,
    engine: 'postgres',
    adapter: postgresAdapter,
    location: redact(url),
    pool,
    close: () => db.destroy(),
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres'
  }
}
