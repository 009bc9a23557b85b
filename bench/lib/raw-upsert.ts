import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { contentHash, resourceName } from '../../packages/server/src/domain/resources/types.js'
import { openDatabase, SQLITE_CACHE_KIB } from '../../packages/server/src/store/connect.js'
import { migrateToLatest } from '../../packages/server/src/store/migrate.js'
import type { TestDatabase } from '../../packages/server/test/helpers/databases.js'

interface Row {
  kind: string
  id: string
  displayName: string
  labels: Record<string, string>
}

const COLUMNS =
  'space_id, kind, id, name, display_name, labels, content_hash, create_time, update_time, change_id'
const CONFLICT =
  'ON CONFLICT (space_id, kind, id) DO UPDATE SET display_name = excluded.display_name, labels = excluded.labels, ' +
  'content_hash = excluded.content_hash, update_time = excluded.update_time'

/**
 * The baseline: the same rows upserted straight through the driver into OpenIndent's own schema, with
 * the same durability settings and the same transaction size (one per chunk), without HTTP, JSON,
 * validation or the audit log, each engine in its fastest plain form: SQLite one prepared statement
 * per row, PostgreSQL one statement per chunk with an array per column. Returns milliseconds: the first pass (every row new) and a second pass
 * of the same rows (every row there already, unchanged), as a periodic sync sends them.
 */
export async function rawUpsert(
  engine: 'sqlite' | 'postgres',
  db: TestDatabase,
  rows: Row[],
  chunk: number,
): Promise<{ first: number; again: number }> {
  const handle = openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir })
  await migrateToLatest(handle.db, handle.engine)
  await handle.close()
  const now = Date.now()
  // The same rows the server writes: the same derived names (which land at random in the name index)
  // and content hashes.
  const values = (r: Row, at: number) => [
    'spc',
    r.kind,
    r.id,
    resourceName(r.kind, r.id),
    r.displayName,
    JSON.stringify(r.labels),
    contentHash(r),
    at,
    at,
    'w',
  ]
  if (engine === 'sqlite') {
    const sqlite = new SqliteDatabase(join(db.dataDir, 'openindent.db'))
    sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = FULL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma(`cache_size = ${SQLITE_CACHE_KIB}`)
    sqlite.exec("INSERT INTO spaces (id, name, create_time, update_time) VALUES ('spc', 'raw', 0, 0)")
    const stmt = sqlite.prepare(`INSERT INTO resources (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?) ${CONFLICT}`)
    const tx = sqlite.transaction((part: unknown[][]) => {
      for (const v of part) stmt.run(v)
    })
    const pass = (later: number) => {
      const prepared = rows.map((r) => values(r, now + later))
      const start = performance.now()
      for (let i = 0; i < rows.length; i += chunk) tx(prepared.slice(i, i + chunk))
      return performance.now() - start
    }
    const first = pass(0)
    const again = pass(1)
    sqlite.close()
    return { first, again }
  }
  const client = new pg.Client({ connectionString: db.databaseUrl })
  await client.connect()
  await client.query("INSERT INTO spaces (id, name, create_time, update_time) VALUES ('spc', 'raw', 0, 0)")
  // One array per column, unnested into rows: PostgreSQL's fastest multi-row form through this driver
  // (a VALUES list of 10,000 parameters spends longer binding and planning than writing).
  const unnest =
    `INSERT INTO resources (${COLUMNS}) SELECT $1, t.kind, t.id, t.name, t.display_name, t.labels::jsonb, ` +
    't.content_hash, $2::bigint, $2::bigint, $3 FROM unnest($4::text[], $5::text[], $6::text[], ' +
    `$7::text[], $8::text[], $9::text[]) AS t(kind, id, name, display_name, labels, content_hash) ${CONFLICT}`
  const pass = async (later: number) => {
    const prepared = rows.map((r) => values(r, now + later))
    const start = performance.now()
    for (let i = 0; i < rows.length; i += chunk) {
      const part = prepared.slice(i, i + chunk)
      const column = (k: number) => part.map((v) => v[k])
      await client.query(unnest, [
        'spc',
        now + later,
        'w',
        column(1),
        column(2),
        column(3),
        column(4),
        column(5),
        column(6),
      ])
    }
    return performance.now() - start
  }
  const first = await pass(0)
  const again = await pass(1)
  await client.end()
  return { first, again }
}
