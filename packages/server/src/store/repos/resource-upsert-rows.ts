import type { CompiledQuery, Kysely } from 'kysely'
import { sql } from 'kysely'
import type { UpsertOutcome } from '../../domain/resources/ports.js'
import {
  contentHash,
  labelsJson,
  type ResourceContent,
  type ResourceRecord,
  resourceName,
} from '../../domain/resources/types.js'
import type { RowStatement } from '../engine.js'
import type { Database, ResourcesTable } from '../schema.js'
import { clientColumns, ROW_COLUMNS, toRecord } from './resource-rows.js'

let oneRowSql: RowByRowSql | undefined

/**
 * SQLite inside a write transaction: upserts by `(kind, id)` through prepared single-row statements on
 * the transaction's connection (see `runRowByRow`). Each row's own RETURNING needs no key to match it by.
 */
export function upsertRowByRow(
  db: Kysely<Database>,
  rowStatement: (text: string) => RowStatement,
  spaceId: string,
  items: ResourceContent[],
  now: number,
  writeId: string,
  readUnchanged: boolean,
): UpsertOutcome {
  oneRowSql ??= rowByRowSql(db)
  const statements = {
    insert: rowStatement(oneRowSql.insert),
    update: { statement: rowStatement(oneRowSql.update.statement), positions: oneRowSql.update.positions },
    touch: {
      statement: rowStatement(readUnchanged ? oneRowSql.touch.statement : oneRowSql.touchQuietly),
      positions: oneRowSql.touch.positions,
    },
  }
  return runRowByRow(statements, readUnchanged, spaceId, items, now, writeId)
}

/** A statement whose parameters are a row's values (in `ROW_COLUMNS` order) at `positions`. */
interface Positioned<S> {
  statement: S
  positions: readonly number[]
}

/**
 * SQLite's single-row statements for `upsertRowByRow`: an insert that does nothing on a conflict,
 * whose parameters are a row's values in `ROW_COLUMNS` order as `toRow` fills them; an update of one
 * row by `(space_id, kind, id)` returning `[create_time, change_id]`; and a touch, which moves only the
 * update time of a row stored exactly as sent and returns `[create_time, name]`.
 */
interface RowByRowSql {
  insert: string
  update: Positioned<string>
  touch: Positioned<string>
  /** The touch without its RETURNING clause (a third of its cost), answering by the rows it changed. */
  touchQuietly: string
}

function rowByRowSql(db: Kysely<Database>): RowByRowSql {
  // Compiled from a row whose values are their own positions, so each statement's parameters say
  // where in a row each one comes from.
  const row = Object.fromEntries(ROW_COLUMNS.map((column, i) => [column, i])) as unknown as ResourcesTable
  const positioned = (q: { compile(): CompiledQuery }): Positioned<string> => {
    const compiled = q.compile()
    return { statement: compiled.sql, positions: compiled.parameters as number[] }
  }
  const insert = db
    .insertInto('resources')
    .values(row)
    .onConflict((oc) => oc.columns(['space_id', 'kind', 'id']).doNothing())
    .compile().sql
  const byKey = db
    .updateTable('resources')
    .where('space_id', '=', row.space_id)
    .where('kind', '=', row.kind)
    .where('id', '=', row.id)
  const update = byKey
    .set({
      ...clientColumns(row),
      update_time: row.update_time,
      change_id: sql<string>`CASE WHEN content_hash = ${row.content_hash} THEN change_id ELSE ${row.change_id} END`,
      content_hash: row.content_hash,
    })
    .returning(['create_time', 'change_id'])
  // `is` compares the nullable columns as equal when both are NULL; the text forms are the ones
  // `toRow` writes, so equal text is equal content (and so an equal content hash).
  const touch = byKey
    .set({ update_time: row.update_time })
    .where('display_name', 'is', row.display_name)
    .where('email', 'is', row.email)
    .where('alt_ids', 'is', row.alt_ids)
    .where('labels', '=', row.labels)
  return {
    insert,
    update: positioned(update),
    touch: positioned(touch.returning(['create_time', 'name'])),
    touchQuietly: touch.compile().sql,
  }
}

/** What the last row turned out to be, which decides what the next one tries first. */
enum Last {
  New,
  Unchanged,
  Changed,
}

/**
 * SQLite: each resource stored by one or two prepared single-row statements, in the caller's
 * transaction. A new row is inserted (its times are `now`, and it changed: nothing to read back); a
 * row stored exactly as sent is touched (only its update time moves: no hashing, and no rewrite of
 * its content); any other existing row is updated, returning its creation time and its `change_id`,
 * which moved only if its content hash differs. Which to try first is what the last row turned out
 * to be: uploads are mostly new rows (a first sync), mostly unchanged ones (every later sync) or
 * mostly changed ones (a migration), and a wrong first try costs a wasted statement for that row.
 * (One upsert with RETURNING would do any of them in one statement, but RETURNING costs SQLite about a
 * third of the insert, and it cannot tell an insert from an update.)
 */
function runRowByRow(
  statements: {
    insert: RowStatement
    update: Positioned<RowStatement>
    /** The touch, without its RETURNING when not `readUnchanged`. */
    touch: Positioned<RowStatement>
  },
  readUnchanged: boolean,
  spaceId: string,
  items: ResourceContent[],
  now: number,
  writeId: string,
): UpsertOutcome {
  const { insert, update, touch } = statements
  const resources: ResourceRecord[] = []
  const changed: ResourceRecord[] = []
  let created = 0
  let unchanged = 0
  // One row's values in `ROW_COLUMNS` order, and the update's and the touch's parameters taken from it.
  const params: unknown[] = new Array(ROW_COLUMNS.length)
  params[0] = spaceId
  params[9] = now
  params[10] = now
  params[11] = writeId
  const bind = ({ positions }: Positioned<RowStatement>, out: unknown[]) => {
    for (let p = 0; p < positions.length; p++) out[p] = params[positions[p] as number]
    return out
  }
  const updateParams: unknown[] = new Array(update.positions.length)
  const touchParams: unknown[] = new Array(touch.positions.length)
  let last = Last.New
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as ResourceContent
    params[1] = item.kind
    params[2] = item.id
    params[4] = item.displayName ?? null
    params[5] = item.email ?? null
    params[6] = item.altIds ? JSON.stringify(item.altIds) : null
    params[7] = labelsJson(item.labels)
    if (last === Last.Unchanged) {
      // Stored exactly as sent: no name or content hash needed.
      bind(touch, touchParams)
      if (!readUnchanged && touch.statement.run(touchParams) === 1) {
        unchanged++
        continue
      }
      const touched = readUnchanged ? touch.statement.get(touchParams) : undefined
      if (touched) {
        unchanged++
        resources.push(toRecord(item, touched[1] as string, touched[0] as number, now))
        continue
      }
    }
    const name = resourceName(item.kind, item.id)
    params[3] = name
    params[8] = contentHash(item)
    let existing: unknown[] | undefined
    if (last !== Last.New || insert.run(params) === 0) {
      existing = update.statement.get(bind(update, updateParams))
      // Not there after all (only when tried first): a new row, inserted now.
      if (!existing && last !== Last.New) insert.run(params)
    }
    const record = toRecord(item, name, existing ? (existing[0] as number) : now, now)
    if (existing && existing[1] !== writeId) {
      last = Last.Unchanged
      unchanged++
      if (readUnchanged) resources.push(record)
      continue
    }
    last = existing ? Last.Changed : Last.New
    resources.push(record)
    changed.push(record)
    if (!existing) created++
  }
  return { resources, changed, created, unchanged }
}
