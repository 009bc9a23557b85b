import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { EventFilter, EventWindow } from '../../domain/audit/ports.js'
import type { Database, EventsTable } from '../schema.js'

/**
 * Time-only ranges with fewer events than this are read through `events_time` and sorted by seq;
 * larger ones walk the chain in seq order and check the time per row.
 */
export const TIME_RANGE_SORT_LIMIT = 2000

/**
 * A resource kind with fewer events than this is read from `event_resources`; a commoner one by
 * walking the chain and keeping the events that name the kind, which finds a page within a few
 * hundred rows instead of reading every event of the kind.
 */
export const KIND_INDEX_LIMIT = 2000

/** Rows a kind walk reads before it hands over to `event_resources` (a kind absent from a long stretch). */
export const KIND_WALK_LIMIT = 10_000

const KIND_WALK_BATCH = 500
const KIND_SEQ_BATCH = 1000
const EVENT_FETCH_BATCH = 200

/**
 * One audit query, shaped so that each filter is answered by an index whose order is the seq order
 * of the page, so a page costs about the same at any depth and any log size:
 *
 * - resource kind and id: driven from `event_resources` (PK space, kind, id, seq), joined to events
 *   by their PK;
 * - actor: `events_actor` (space, actor_id, seq); event name: `events_name` (space, event, seq);
 * - nothing, or only time: the PK (space, seq), the time checked per row, unless the range holds
 *   few events (then `events_time`, sorted);
 * - resource kind alone: see `byKind`.
 *
 * Other filters given alongside the driving one are checked per row of it.
 */
export async function queryEvents(
  db: Kysely<Database>,
  spaceId: string,
  f: EventFilter,
  w: EventWindow,
): Promise<EventsTable[]> {
  if (f.resourceKind !== undefined && f.resourceId !== undefined) return byResource(db, spaceId, f, w)
  if (f.resourceKind !== undefined) return byKind(db, spaceId, f, w, f.resourceKind)
  return byEvents(db, spaceId, f, w)
}

const cursor = (key: RawBuilder<unknown>, w: EventWindow): RawBuilder<unknown>[] => {
  const out: RawBuilder<unknown>[] = []
  if (w.after !== undefined) out.push(sql`${key} ${w.ascending ? sql`>` : sql`<`} ${w.after}`)
  if (w.through !== undefined) out.push(sql`${key} <= ${w.through}`)
  return out
}

/**
 * Conditions on the events row itself. Those not meant to pick the index are written as expressions
 * no index answers (`+x`, `x || ''`, the same in both engines), so the planner cannot trade the
 * driving index for them: without statistics, PostgreSQL otherwise pairs a resource lookup with a
 * scan of `events_name` per row.
 */
function eventConds(
  f: EventFilter,
  indexed: { actorOrEvent: boolean; time: boolean },
): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = []
  const text = (col: RawBuilder<unknown>) => (indexed.actorOrEvent ? col : sql`(${col} || '')`)
  if (f.actor !== undefined) out.push(sql`${text(sql`e.actor_id`)} = ${f.actor}`)
  if (f.event !== undefined) out.push(sql`${text(sql`e.event`)} = ${f.event}`)
  const ts = indexed.time ? sql`e.timestamp` : sql`+e.timestamp`
  if (f.startTime !== undefined) out.push(sql`${ts} >= ${f.startTime}`)
  if (f.endTime !== undefined) out.push(sql`${ts} < ${f.endTime}`)
  return out
}

const PER_ROW = { actorOrEvent: false, time: false }

const and = (conds: RawBuilder<unknown>[]) =>
  conds.length === 0 ? sql`` : sql`AND ${sql.join(conds, sql` AND `)}`
const direction = (w: EventWindow) => (w.ascending ? sql`ASC` : sql`DESC`)

async function byResource(db: Kysely<Database>, spaceId: string, f: EventFilter, w: EventWindow) {
  const key = sql.ref('r.seq')
  const { rows } = await sql<EventsTable>`
    SELECT e.* FROM event_resources r
    JOIN events e ON e.space_id = r.space_id AND e.seq = r.seq
    WHERE r.space_id = ${spaceId} AND r.kind = ${f.resourceKind} AND r.id = ${f.resourceId}
    ${and([...cursor(key, w), ...eventConds(f, PER_ROW)])}
    ORDER BY ${key} ${direction(w)} LIMIT ${w.limit}`.execute(db)
  return rows
}

/** Events without a resource filter, driven by the actor or event index, the time index or the PK. */
async function byEvents(db: Kysely<Database>, spaceId: string, f: EventFilter, w: EventWindow) {
  const key = sql.ref('e.seq')
  const timed = f.startTime !== undefined || f.endTime !== undefined
  if (timed && f.actor === undefined && f.event === undefined && (await fewInTimeRange(db, spaceId, f))) {
    // Few events in range: read them through events_time and sort; the unary plus on the ORDER BY
    // keeps SQLite from walking the PK for the order instead.
    const { rows } = await sql<EventsTable>`
      SELECT e.* FROM events e WHERE e.space_id = ${spaceId}
      ${and([...cursor(key, w), ...eventConds(f, { actorOrEvent: true, time: true })])}
      ORDER BY +e.seq ${direction(w)} LIMIT ${w.limit}`.execute(db)
    return rows
  }
  const { rows } = await sql<EventsTable>`
    SELECT e.* FROM events e WHERE e.space_id = ${spaceId}
    ${and([...cursor(key, w), ...eventConds(f, { actorOrEvent: true, time: false })])}
    ORDER BY ${key} ${direction(w)} LIMIT ${w.limit}`.execute(db)
  return rows
}

async function fewInTimeRange(db: Kysely<Database>, spaceId: string, f: EventFilter): Promise<boolean> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM (
      SELECT 1 FROM events e WHERE e.space_id = ${spaceId} ${and(eventConds(f, { actorOrEvent: true, time: true }))}
      LIMIT ${TIME_RANGE_SORT_LIMIT}) t`.execute(db)
  return Number(rows[0]?.n ?? 0) < TIME_RANGE_SORT_LIMIT
}

/**
 * Resource kind alone. `event_resources` is ordered by (kind, id, seq), so it gives the seqs of a
 * kind only by reading all of them: fine for a rare kind, and that is what a rare kind gets. A
 * common kind (most events name a customer) is found faster by walking the chain (as `byEvents`
 * would, with the other filters) and keeping the events whose body names the kind, exactly the rule
 * `append` links resources by. A walk that finds too little in KIND_WALK_LIMIT rows hands the rest
 * of the page to `event_resources`, so no page costs more than that walk plus the index read.
 * (An index on event_resources (space_id, kind, seq) would make every kind query one range read.)
 */
async function byKind(
  db: Kysely<Database>,
  spaceId: string,
  f: EventFilter,
  w: EventWindow,
  kind: string,
): Promise<EventsTable[]> {
  if (await rareKind(db, spaceId, kind)) return kindFromIndex(db, spaceId, f, w, kind)
  const others: EventFilter = { ...f, resourceKind: undefined }
  const out: EventsTable[] = []
  let after = w.after
  for (let read = 0; read < KIND_WALK_LIMIT; ) {
    // A common kind is usually dense: the first batch asks for little more than the page.
    const batch = read === 0 ? Math.min(KIND_WALK_BATCH, 2 * w.limit) : KIND_WALK_BATCH
    const rows = await byEvents(db, spaceId, others, { ...w, after, limit: batch })
    for (const row of rows) {
      if (!namesKind(row.body, kind)) continue
      out.push(row)
      if (out.length === w.limit) return out
    }
    const last = rows[rows.length - 1]
    if (!last || rows.length < batch) return out
    after = last.seq
    read += rows.length
  }
  const rest = await kindFromIndex(db, spaceId, f, { ...w, after, limit: w.limit - out.length }, kind)
  return [...out, ...rest]
}

async function rareKind(db: Kysely<Database>, spaceId: string, kind: string): Promise<boolean> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM (
      SELECT 1 FROM event_resources r WHERE r.space_id = ${spaceId} AND r.kind = ${kind}
      LIMIT ${KIND_INDEX_LIMIT}) t`.execute(db)
  return Number(rows[0]?.n ?? 0) < KIND_INDEX_LIMIT
}

/**
 * The events of a kind from `event_resources`, in two plain steps no planner can turn around: the
 * next seqs of the kind (a top-N over the kind's index range), then those events by primary key.
 */
async function kindFromIndex(
  db: Kysely<Database>,
  spaceId: string,
  f: EventFilter,
  w: EventWindow,
  kind: string,
): Promise<EventsTable[]> {
  const out: EventsTable[] = []
  let after = w.after
  for (;;) {
    const { rows: found } = await sql<{ seq: number | string }>`
      SELECT DISTINCT r.seq FROM event_resources r
      WHERE r.space_id = ${spaceId} AND r.kind = ${kind} ${and(cursor(sql.ref('r.seq'), { ...w, after }))}
      ORDER BY r.seq ${direction(w)} LIMIT ${KIND_SEQ_BATCH}`.execute(db)
    const seqs = found.map((r) => Number(r.seq))
    for (let i = 0; i < seqs.length; i += EVENT_FETCH_BATCH) {
      const part = seqs.slice(i, i + EVENT_FETCH_BATCH)
      const { rows } = await sql<EventsTable>`
        SELECT e.* FROM events e
        WHERE e.space_id = ${spaceId} AND e.seq IN (${sql.join(part)}) ${and(eventConds(f, PER_ROW))}
        ORDER BY e.seq ${direction(w)}`.execute(db)
      for (const row of rows) {
        out.push(row)
        if (out.length === w.limit) return out
      }
    }
    if (seqs.length < KIND_SEQ_BATCH) return out
    after = seqs[seqs.length - 1]
  }
}

/** Whether a stored body names a resource of this kind with an id: when `append` links it. */
function namesKind(body: string, kind: string): boolean {
  // Cheap test first: most bodies of a common kind name it, and the others mostly do not mention it.
  if (!body.includes(JSON.stringify(kind))) return false
  const resources = (JSON.parse(body) as { resources?: unknown }).resources
  if (!Array.isArray(resources)) return false
  return resources.some((r: { kind?: unknown; id?: unknown } | null) => r?.kind === kind && !!r.id)
}
