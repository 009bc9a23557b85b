import type { Insertable, Kysely } from 'kysely'
import { chunks } from './chunks.js'
import type { EngineAdapter } from './engine.js'
import type { Database } from './schema.js'

/** Compiled single-row inserts, by table and the columns (in order) of the rows they take. */
const compiled = new Map<string, string>()

/**
 * Inserts rows. Inside a write transaction on SQLite, one prepared single-row statement per row: for
 * the few rows a petition's step writes, Kysely takes longer building a statement than SQLite takes
 * running it. Elsewhere, multi-row statements through Kysely.
 */
export async function insertRows<T extends keyof Database & string>(
  db: Kysely<Database>,
  adapter: EngineAdapter,
  transactional: boolean,
  table: T,
  rows: readonly Insertable<Database[T]>[],
): Promise<void> {
  const rowStatement = transactional ? adapter.rowStatement : undefined
  if (rowStatement) {
    for (const row of rows) {
      const columns = Object.keys(row)
      const key = `${table}\u0000${columns.join(',')}`
      let text = compiled.get(key)
      if (text === undefined) {
        // Kysely lists the columns in the row's key order, which is the order of `Object.values`.
        text = db
          .insertInto(table as 'grants')
          .values(row as Insertable<Database['grants']>)
          .compile().sql
        compiled.set(key, text)
      }
      rowStatement(text).run(Object.values(row))
    }
    return
  }
  for (const part of chunks(rows)) {
    await db
      .insertInto(table as 'grants')
      .values(part as Insertable<Database['grants']>[])
      .execute()
  }
}
