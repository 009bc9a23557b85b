import { CompiledQuery, type Kysely, sql } from 'kysely'
import type {
  ListResourcesFilter,
  ResourceRepository,
  UpsertOptions,
  UpsertOutcome,
} from '../../domain/resources/ports.js'
import {
  contentHash,
  labelsJson,
  type ResourceContent,
  type ResourceRecord,
  type ResourceSummary,
  resourceName,
} from '../../domain/resources/types.js'
import { chunks, ROWS_PER_STATEMENT } from '../chunks.js'
import type { EngineAdapter, RowStatement } from '../engine.js'
import { parseJson } from '../json.js'
import { labelFilter } from '../label-filter.js'
import { textArray } from '../postgres/array-literal.js'
import type { Database, Engine, ResourcesTable } from '../schema.js'

type UpsertReturn = Pick<ResourcesTable, 'kind' | 'id' | 'create_time' | 'change_id'> & {
  /** PostgreSQL only: whether the row was inserted rather than updated. */
  inserted?: boolean
}

/** The columns `toRow` fills, in the order it fills them. */
const ROW_COLUMNS = [
  'space_id',
  'kind',
  'id',
  'name',
  'display_name',
  'email',
  'alt_ids',
  'labels',
  'content_hash',
  'create_time',
  'update_time',
  'change_id',
] as const satisfies readonly (keyof ResourcesTable)[]

const FULL_CHUNK_SQL = new Map<Engine, string>()
let oneRowSql: RowByRowSql | undefined
/** PostgreSQL takes a chunk as arrays, one parameter per column, so it is not bound by parameter limits. */
const ROWS_PER_ARRAY_STATEMENT = 5000

export class ResourceRepo implements ResourceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
    /** Row statements bypass Kysely, so they are all-or-nothing only inside a write transaction. */
    private readonly transactional = false,
  ) {}

  private get engine(): Engine {
    return this.adapter.engine
  }

  /**
   * Upserts by `(kind, id)` in as few statements as possible. Every row's update time moves; its
   * `change_id` moves only when its content hash differs, which is how we learn, atomically and
   * without reading first, which rows really changed.
   */
  async upsert(
    spaceId: string,
    items: ResourceContent[],
    now: number,
    writeId: string,
    { readUnchanged = true }: UpsertOptions = {},
  ): Promise<UpsertOutcome> {
    if (this.transactional && this.adapter.rowStatement) {
      // Row by row, each row's own RETURNING needs no key to match it by.
      oneRowSql ??= rowByRowSql(this.db)
      const { rowStatement } = this.adapter
      const statements = {
        insert: rowStatement(oneRowSql.insert),
        update: {
          statement: rowStatement(oneRowSql.update.statement),
          positions: oneRowSql.update.positions,
        },
        touch: {
          statement: rowStatement(readUnchanged ? oneRowSql.touch.statement : oneRowSql.touchQuietly),
          positions: oneRowSql.touch.positions,
        },
      }
      return upsertRowByRow(statements, readUnchanged, spaceId, items, now, writeId)
    }
    const resources: ResourceRecord[] = []
    const changed: ResourceRecord[] = []
    let created = 0
    let unchanged = 0
    const size = this.engine === 'postgres' ? ROWS_PER_ARRAY_STATEMENT : ROWS_PER_STATEMENT
    const statement = (rows: ResourcesTable[]) =>
      this.engine === 'postgres'
        ? unnestUpsert(this.db, rows, spaceId, now, writeId)
        : this.compiledUpsert(rows)
    const parts = [...chunks(items, size)].map((chunk) => ({ chunk, rows: [] as ResourcesTable[] }))
    // The next chunk's rows (hashes, JSON, array literals) are built while the database runs the
    // current one, and the rows a statement returned are read while it runs the next.
    const prepare = (part: (typeof parts)[number] | undefined) => {
      if (!part) return undefined
      part.rows = part.chunk.map((r) => toRow(spaceId, r, now, writeId))
      return statement(part.rows)
    }
    const send = (query: CompiledQuery<UpsertReturn>) => {
      const sent = this.db.executeQuery(query)
      // Its failure is handled where it is awaited; until then it must not count as unhandled.
      sent.catch(() => {})
      return sent
    }
    const read = ({ chunk, rows }: (typeof parts)[number], returned: UpsertReturn[]) => {
      // Both engines return the rows in VALUES order in practice, but neither promises it: each row is
      // checked, and a keyed lookup is built only if one is out of place.
      let byKey: Map<string, UpsertReturn> | undefined
      const returnedFor = (item: ResourceContent, i: number) => {
        const at = returned[i]
        if (at && at.kind === item.kind && at.id === item.id) return at
        byKey ??= new Map(returned.map((r) => [`${r.kind}\u0000${r.id}`, r]))
        return byKey.get(`${item.kind}\u0000${item.id}`)
      }
      chunk.forEach((item, i) => {
        const row = returnedFor(item, i)
        const name = rows[i]?.name ?? resourceName(item.kind, item.id)
        const record = toRecord(item, name, row?.create_time ?? now, now)
        if (row?.change_id !== writeId) {
          unchanged++
          if (readUnchanged) resources.push(record)
          return
        }
        resources.push(record)
        changed.push(record)
        // SQLite's multi-row upsert cannot tell an insert from an update: a new row has this write's time.
        if (row.inserted ?? row.create_time === now) created++
      })
    }
    const first = prepare(parts[0])
    if (!first) return { resources, changed, created, unchanged }
    let running = send(first)
    let done: { part: (typeof parts)[number]; returned: UpsertReturn[] } | undefined
    for (let p = 0; p < parts.length; p++) {
      if (parts.length > 1) {
        // Let the statement reach the database (once the microtasks that send it have run) before
        // working beside it: reading what the previous statement returned, building the next one.
        await new Promise(setImmediate)
      }
      if (done) read(done.part, done.returned)
      const next = prepare(parts[p + 1])
      done = { part: parts[p] as (typeof parts)[number], returned: (await running).rows }
      if (next) running = send(next)
    }
    if (done) read(done.part, done.returned)
    return { resources, changed, created, unchanged }
  }

  private upsertQuery(rows: ResourcesTable[]) {
    return this.db
      .insertInto('resources')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['space_id', 'kind', 'id']).doUpdateSet((eb) => ({
          display_name: eb.ref('excluded.display_name'),
          email: eb.ref('excluded.email'),
          alt_ids: eb.ref('excluded.alt_ids'),
          labels: eb.ref('excluded.labels'),
          update_time: eb.ref('excluded.update_time'),
          change_id: sql<string>`CASE WHEN resources.content_hash = excluded.content_hash
            THEN resources.change_id ELSE excluded.change_id END`,
          content_hash: eb.ref('excluded.content_hash'),
        })),
      )
      .returning(['kind', 'id', 'create_time', 'change_id'])
  }

  /**
   * Building and compiling a 1,000-row statement costs more than SQLite takes to run it, so the SQL
   * text of a full chunk is compiled once per engine and reused with fresh parameters. Its parameters
   * are the rows' values in `ROW_COLUMNS` order, the order Kysely compiles them in.
   */
  private compiledUpsert(rows: ResourcesTable[]): CompiledQuery<UpsertReturn> {
    if (rows.length !== ROWS_PER_STATEMENT) return this.upsertQuery(rows).compile()
    const cached = FULL_CHUNK_SQL.get(this.engine)
    if (cached)
      return CompiledQuery.raw(
        cached,
        rows.flatMap((r) => ROW_COLUMNS.map((c) => r[c])),
      )
    const compiled = this.upsertQuery(rows).compile()
    FULL_CHUNK_SQL.set(this.engine, compiled.sql)
    return compiled
  }

  /** Inserts a new resource; undefined when `(kind, id)` already exists. */
  async insert(
    spaceId: string,
    item: ResourceContent,
    now: number,
    writeId: string,
  ): Promise<ResourceRecord | undefined> {
    const row = await this.db
      .insertInto('resources')
      .values(toRow(spaceId, item, now, writeId))
      .onConflict((oc) => oc.columns(['space_id', 'kind', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** Replaces the content of an existing resource; undefined when there is none by that name. */
  async replace(
    spaceId: string,
    name: string,
    item: ResourceContent,
    now: number,
  ): Promise<ResourceRecord | undefined> {
    const row = toRow(spaceId, item, now, '')
    const updated = await this.db
      .updateTable('resources')
      .set({ ...clientColumns(row), content_hash: row.content_hash, update_time: now })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst()
    return updated && fromRow(updated)
  }

  async get(spaceId: string, name: string): Promise<ResourceRecord | undefined> {
    const row = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async summaries(spaceId: string, names: readonly string[]): Promise<ResourceSummary[]> {
    if (names.length === 0) return []
    const rows = await this.db
      .selectFrom('resources')
      .select(['kind', 'id', 'name', 'display_name', 'labels'])
      .where('space_id', '=', spaceId)
      .where('name', 'in', [...names])
      .execute()
    return rows.map((row) => {
      const summary: ResourceSummary = {
        kind: row.kind,
        id: row.id,
        name: row.name,
        labels: parseJson<Record<string, string>>(row.labels),
      }
      if (row.display_name !== null) summary.displayName = row.display_name
      return summary
    })
  }

  async list(spaceId: string, filter: ListResourcesFilter): Promise<ResourceRecord[]> {
    let q = this.db.selectFrom('resources').selectAll().where('space_id', '=', spaceId)
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
    if (filter.selector?.length) q = q.where(labelFilter(this.adapter, filter.selector))
    if (filter.after) q = q.where(sql<boolean>`(kind, id) > (${filter.after.kind}, ${filter.after.id})`)
    const rows = await q.orderBy('kind').orderBy('id').limit(filter.limit).execute()
    return rows.map(fromRow)
  }

  /** Deletes by name; returns the deleted resources. */
  async delete(spaceId: string, names: string[]): Promise<ResourceRecord[]> {
    if (names.length === 0) return []
    const out: ResourceRecord[] = []
    for (const part of chunks(names)) {
      const rows = await this.db
        .deleteFrom('resources')
        .where('space_id', '=', spaceId)
        .where('name', 'in', part)
        .returningAll()
        .execute()
      out.push(...rows.map(fromRow))
    }
    return out
  }
}

/**
 * PostgreSQL: the chunk as one array per column, unnested into rows. Eight array parameters instead of
 * 12,000 scalars: binding and planning that many parameters cost PostgreSQL more than the writes.
 * The SET clause is `upsertQuery`'s.
 */
function unnestUpsert(
  db: Kysely<Database>,
  rows: ResourcesTable[],
  spaceId: string,
  now: number,
  writeId: string,
) {
  const column = <K extends keyof ResourcesTable>(key: K) =>
    textArray(rows.map((r) => r[key] as string | null))
  return sql<UpsertReturn>`insert into resources (space_id, kind, id, name, display_name, email, alt_ids,
      labels, content_hash, create_time, update_time, change_id)
    select ${spaceId}::text, t.kind, t.id, t.name, t.display_name, t.email, t.alt_ids::jsonb, t.labels::jsonb,
      t.content_hash, ${now}::bigint, ${now}::bigint, ${writeId}::text
    from unnest(${column('kind')}::text[], ${column('id')}::text[], ${column('name')}::text[],
      ${column('display_name')}::text[], ${column('email')}::text[], ${column('alt_ids')}::text[],
      ${column('labels')}::text[], ${column('content_hash')}::text[])
      as t(kind, id, name, display_name, email, alt_ids, labels, content_hash)
    on conflict (space_id, kind, id) do update set
      display_name = excluded.display_name, email = excluded.email, alt_ids = excluded.alt_ids,
      labels = excluded.labels, update_time = excluded.update_time,
      change_id = case when resources.content_hash = excluded.content_hash
        then resources.change_id else excluded.change_id end,
      content_hash = excluded.content_hash
    returning kind, id, create_time, change_id, xmax = 0 as inserted`.compile(db)
}

/** The columns a client sets, as `replace` and the row-by-row update write them. */
const clientColumns = (row: ResourcesTable) => ({
  display_name: row.display_name,
  email: row.email,
  alt_ids: row.alt_ids,
  labels: row.labels,
})

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
function upsertRowByRow(
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

/**
 * Field by field rather than by spreading `item`: an upload makes up to 100,000 of these, and V8's
 * object spread took most of the time of building them.
 */
function toRecord(
  item: ResourceContent,
  name: string,
  createTime: number,
  updateTime: number,
): ResourceRecord {
  const record: ResourceRecord = {
    kind: item.kind,
    id: item.id,
    name,
    labels: item.labels,
    createTime,
    updateTime,
  }
  if (item.displayName !== undefined) record.displayName = item.displayName
  if (item.email !== undefined) record.email = item.email
  if (item.altIds !== undefined) record.altIds = item.altIds
  return record
}

function toRow(spaceId: string, r: ResourceContent, now: number, writeId: string): ResourcesTable {
  return {
    space_id: spaceId,
    kind: r.kind,
    id: r.id,
    name: resourceName(r.kind, r.id),
    display_name: r.displayName ?? null,
    email: r.email ?? null,
    alt_ids: r.altIds ? JSON.stringify(r.altIds) : null,
    labels: labelsJson(r.labels),
    content_hash: contentHash(r),
    create_time: now,
    update_time: now,
    change_id: writeId,
  }
}

function fromRow(row: ResourcesTable): ResourceRecord {
  const record: ResourceRecord = {
    kind: row.kind,
    id: row.id,
    name: row.name,
    labels: parseJson<Record<string, string>>(row.labels),
    createTime: row.create_time,
    updateTime: row.update_time,
  }
  if (row.display_name !== null) record.displayName = row.display_name
  if (row.email !== null) record.email = row.email
  if (row.alt_ids !== null) record.altIds = parseJson<string[]>(row.alt_ids)
  return record
}
