import { CompiledQuery, type Kysely, sql } from 'kysely'
import type { UpsertOutcome } from '../../domain/resources/ports.js'
import type { ResourceContent, ResourceRecord } from '../../domain/resources/types.js'
import { chunks, ROWS_PER_STATEMENT } from '../chunks.js'
import { textArray } from '../postgres/array-literal.js'
import type { Database, Engine, ResourcesTable } from '../schema.js'
import { ROW_COLUMNS, toRecord, toRow } from './resource-rows.js'

type UpsertReturn = Pick<ResourcesTable, 'kind' | 'id' | 'create_time' | 'change_id'>

const FULL_CHUNK_SQL = new Map<Engine, string>()
/** PostgreSQL takes a chunk as arrays, one parameter per column, so it is not bound by parameter limits. */
const ROWS_PER_ARRAY_STATEMENT = 5000

/**
 * Upserts in multi-row statements (PostgreSQL always; SQLite outside a write transaction), each
 * returning the rows it wrote (PostgreSQL: those it did not insert): `change_id` tells which of them
 * really changed.
 */
export async function upsertInChunks(
  db: Kysely<Database>,
  engine: Engine,
  spaceId: string,
  items: ResourceContent[],
  now: number,
  writeId: string,
  readUnchanged: boolean,
): Promise<UpsertOutcome> {
  const resources: ResourceRecord[] = []
  const changed: ResourceRecord[] = []
  let created = 0
  let unchanged = 0
  const size = engine === 'postgres' ? ROWS_PER_ARRAY_STATEMENT : ROWS_PER_STATEMENT
  const statement = (rows: ResourcesTable[]) =>
    engine === 'postgres' ? unnestUpsert(db, rows, spaceId, now, writeId) : compiledUpsert(db, engine, rows)
  const parts = [...chunks(items, size)].map((chunk) => ({ chunk, rows: [] as ResourcesTable[] }))
  // The next chunk's rows (hashes, JSON, array literals) are built while the database runs the
  // current one, and the rows a statement returned are read while it runs the next.
  const prepare = (part: (typeof parts)[number] | undefined) => {
    if (!part) return undefined
    part.rows = part.chunk.map((r) => toRow(spaceId, r, now, writeId))
    return statement(part.rows)
  }
  const send = (query: CompiledQuery<UpsertReturn>) => {
    const sent = db.executeQuery(query)
    // Its failure is handled where it is awaited; until then it must not count as unhandled.
    sent.catch(() => {})
    return sent
  }
  // SQLite returns every row; PostgreSQL only the rows that were there already (the rows of a first
  // upload would cost it and the driver a tenth of the statement's time to send and parse back), so
  // there a row it did not return is one it inserted.
  const absentWasInserted = engine === 'postgres'
  const read = ({ chunk, rows }: (typeof parts)[number], returned: UpsertReturn[]) => {
    // SQLite returns the rows in VALUES order in practice, but does not promise it: each row is
    // checked, and a keyed lookup is built only if one is out of place (or missing).
    let byKey: Map<string, UpsertReturn> | undefined
    const returnedFor = (item: ResourceContent, i: number) => {
      if (returned.length === 0) return undefined
      const at = returned[i]
      if (at && at.kind === item.kind && at.id === item.id) return at
      byKey ??= new Map(returned.map((r) => [`${r.kind}\u0000${r.id}`, r]))
      return byKey.get(`${item.kind}\u0000${item.id}`)
    }
    chunk.forEach((item, i) => {
      const row = returnedFor(item, i)
      // A part is read only after `prepare` built its rows, names included.
      const record = toRecord(item, (rows[i] as ResourcesTable).name, row?.create_time ?? now, now)
      const inserted = row === undefined && absentWasInserted
      if (!inserted && row?.change_id !== writeId) {
        unchanged++
        if (readUnchanged) resources.push(record)
        return
      }
      resources.push(record)
      changed.push(record)
      // SQLite's multi-row upsert cannot tell an insert from an update: a new row has this write's time.
      if (inserted || (!absentWasInserted && row?.create_time === now)) created++
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

function upsertQuery(db: Kysely<Database>, rows: ResourcesTable[]) {
  return db
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
function compiledUpsert(
  db: Kysely<Database>,
  engine: Engine,
  rows: ResourcesTable[],
): CompiledQuery<UpsertReturn> {
  if (rows.length !== ROWS_PER_STATEMENT) return upsertQuery(db, rows).compile()
  const cached = FULL_CHUNK_SQL.get(engine)
  if (cached)
    return CompiledQuery.raw(
      cached,
      rows.flatMap((r) => ROW_COLUMNS.map((c) => r[c])),
    )
  const compiled = upsertQuery(db, rows).compile()
  FULL_CHUNK_SQL.set(engine, compiled.sql)
  return compiled
}

/**
 * PostgreSQL: the chunk as one array per column, unnested into rows. Eight array parameters instead of
 * 12,000 scalars: binding and planning that many parameters cost PostgreSQL more than the writes.
 * The SET clause is `upsertQuery`'s. Only the rows that existed already come back (see `absentWasInserted`).
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
  return sql<UpsertReturn>`with upserted as (insert into resources (space_id, kind, id, name, display_name, email, alt_ids,
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
    returning kind, id, create_time, change_id, xmax = 0 as inserted)
  select kind, id, create_time, change_id from upserted where not inserted`.compile(db)
}
