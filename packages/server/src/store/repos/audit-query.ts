import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database, EventsTable } from '../schema.js'

/** What an audit query selects. Every field narrows; none given lists the whole log. */
export interface EventFilter {
  /** The stored `actor_id`: the actor's id, or its email when it has no id. */
  actor?: string | undefined
  resourceKind?: string | undefined
  /** Only together with `resourceKind`. */
  resourceId?: string | undefined
  event?: string | undefined
  /** Epoch milliseconds, inclusive. */
  startTime?: number | undefined
  /** Epoch milliseconds, exclusive. */
  endTime?: number | undefined
}

/** Which slice of the matching events, in chain (`seq`) order. */
export interface EventWindow {
  /** Oldest first when true; newest first otherwise. */
  ascending: boolean
  /** Keyset cursor: only events after this seq in the chosen order. */
  after?: number | undefined
  /** Only events up to this seq (inclusive): pins an export to the head it started from. */
  through?: number | undefined
  limit: number
}

/**
 * Time-only queries smaller than this many events are read through the time index and sorted by
 * seq; larger ones walk the chain in seq order and filter by time (see `timeOnly`).
 */
export const TIME_RANGE_SORT_LIMIT = 2000

/**
 * One audit query, shaped so that each filter is answered by an index and the order by seq comes
 * from that same index, so a page costs about the same at any depth and any log size:
 *
 * - resource kind and id: driven from `event_resources` (PK space, kind, id, seq), joined to events
 *   by their PK;
 * - actor: `events_actor` (space, actor_id, seq); event name: `events_name` (space, event, seq);
 * - nothing, or only time: the PK (space, seq), time checked per row, unless the time range is small
 *   (then `events_time`, sorted);
 * - resource kind alone: the seqs of that kind from `event_resources` (PK prefix space, kind), which
 *   costs in proportion to the events of that kind after the cursor; the one shape that is not flat
 *   (an index on event_resources (space_id, kind, seq) would make it so).
 *
 * Other filters given alongside the driving one are checked per row of it.
 */
export async function queryEvents(
  db: Kysely<Database>,
  spaceId: string,
  f: EventFilter,
  w: EventWindow,
): Promise<EventsTable[]> {
  const byResource = f.resourceKind !== undefined && f.resourceId !== undefined
  const key = byResource ? sql.ref('r.seq') : sql.ref('e.seq')
  const where: RawBuilder<unknown>[] = []
  if (w.after !== undefined) where.push(sql`${key} ${w.ascending ? sql`>` : sql`<`} ${w.after}`)
  if (w.through !== undefined) where.push(sql`${key} <= ${w.through}`)
  if (f.actor !== undefined) where.push(sql`e.actor_id = ${f.actor}`)
  if (f.event !== undefined) where.push(sql`e.event = ${f.event}`)
  const order = sql`ORDER BY ${key} ${w.ascending ? sql`ASC` : sql`DESC`} LIMIT ${w.limit}`

  if (byResource) {
    const conds = [...where, ...timeConds(f)]
    const { rows } = await sql<EventsTable>`
      SELECT e.* FROM event_resources r
      JOIN events e ON e.space_id = r.space_id AND e.seq = r.seq
      WHERE r.space_id = ${spaceId} AND r.kind = ${f.resourceKind} AND r.id = ${f.resourceId}
      ${and(conds)} ${order}`.execute(db)
    return rows
  }

  if (f.resourceKind !== undefined) {
    const inner: RawBuilder<unknown>[] = []
    if (w.after !== undefined) inner.push(sql`r.seq ${w.ascending ? sql`>` : sql`<`} ${w.after}`)
    if (w.through !== undefined) inner.push(sql`r.seq <= ${w.through}`)
    const conds = [...where, ...timeConds(f)]
    const { rows } = await sql<EventsTable>`
      SELECT e.* FROM events e
      WHERE e.space_id = ${spaceId}
        AND e.seq IN (SELECT r.seq FROM event_resources r
                      WHERE r.space_id = ${spaceId} AND r.kind = ${f.resourceKind} ${and(inner)})
      ${and(conds)} ${order}`.execute(db)
    return rows
  }

  const timed = f.startTime !== undefined || f.endTime !== undefined
  const timeOnly = timed && f.actor === undefined && f.event === undefined
  if (timeOnly && (await smallTimeRange(db, spaceId, f))) {
    // A small range: read it through events_time and sort it. A unary plus keeps SQLite from
    // walking the PK for the ORDER BY instead.
    const conds = [...where, ...timeConds(f)]
    const { rows } = await sql<EventsTable>`
      SELECT e.* FROM events e WHERE e.space_id = ${spaceId} ${and(conds)}
      ORDER BY +e.seq ${w.ascending ? sql`ASC` : sql`DESC`} LIMIT ${w.limit}`.execute(db)
    return rows
  }
  // Walk the driving index in seq order; the time range, if any, is checked per row (the unary plus
  // keeps SQLite from choosing events_time and sorting a large range).
  const conds = [...where, ...timeConds(f, true)]
  const { rows } = await sql<EventsTable>`
    SELECT e.* FROM events e WHERE e.space_id = ${spaceId} ${and(conds)} ${order}`.execute(db)
  return rows
}

function timeConds(f: EventFilter, perRow = false): RawBuilder<unknown>[] {
  const ts = perRow ? sql`+e.timestamp` : sql`e.timestamp`
  const out: RawBuilder<unknown>[] = []
  if (f.startTime !== undefined) out.push(sql`${ts} >= ${f.startTime}`)
  if (f.endTime !== undefined) out.push(sql`${ts} < ${f.endTime}`)
  return out
}

/** Whether fewer than TIME_RANGE_SORT_LIMIT events fall in the range: a bounded count on events_time. */
async function smallTimeRange(db: Kysely<Database>, spaceId: string, f: EventFilter): Promise<boolean> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM (
      SELECT 1 FROM events e WHERE e.space_id = ${spaceId} ${and(timeConds(f))}
      LIMIT ${TIME_RANGE_SORT_LIMIT}) t`.execute(db)
  return Number(rows[0]?.n ?? 0) < TIME_RANGE_SORT_LIMIT
}

const and = (conds: RawBuilder<unknown>[]) =>
  conds.length === 0 ? sql`` : sql`AND ${sql.join(conds, sql` AND `)}`
