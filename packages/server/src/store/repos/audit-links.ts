import { EVENT_NAMES } from '@openindent/contract'
import { type Kysely, sql } from 'kysely'
import type { ChainHead, EventLink, GrantRow, StoredEvent } from '../../domain/audit/ports.js'
import type { Database } from '../schema.js'
import { toStoredEvent } from './audit.js'

/** The reads verify and the checkpoint job need besides the chain itself. */

export async function chainHeads(db: Kysely<Database>): Promise<ChainHead[]> {
  const rows = await db
    .selectFrom('audit_heads as h')
    .leftJoin('spaces as s', 's.id', 'h.space_id')
    .select(['h.space_id as chain', 'h.seq', 'h.hash', 's.name'])
    .orderBy('h.space_id')
    .execute()
  return rows.map((r) => {
    const head: ChainHead = { chain: r.chain, seq: r.seq, hash: r.hash }
    if (r.name !== null) head.space = r.name
    return head
  })
}

export async function eventLinks(
  db: Kysely<Database>,
  chain: string,
  range: { after?: number | undefined; through?: number; limit?: number },
): Promise<EventLink[]> {
  let q = db.selectFrom('event_resources').select(['seq', 'kind', 'id']).where('space_id', '=', chain)
  if (range.after !== undefined) q = q.where('seq', '>', range.after)
  if (range.through !== undefined) q = q.where('seq', '<=', range.through)
  if (range.limit !== undefined) q = q.limit(range.limit)
  return q.orderBy('seq').execute()
}

/**
 * The next petition names after `after` that have events or grant rows, in the database's order.
 * Each side is read as `limit` entries of its index (events_petition, grants_petition) in name order,
 * duplicates and all, which costs the same on every page; a side whose page came back full may have
 * more names past its last one, so only names up to the smaller such last name are returned: those
 * are complete on both sides. Names are compared by the database, so its collation decides the order
 * and the next page's `after` agrees with it. (DISTINCT over a whole index range would sort all the
 * names left on every page: quadratic over a large log.)
 */
export async function grantPetitions(
  db: Kysely<Database>,
  chain: string,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  // Every name is >= '' and NULL is not, so the first page skips events of no petition by index too.
  const from = after === undefined ? sql`>= ''` : sql`> ${after}`
  const { rows } = await sql<{ petition: string }>`
    WITH e AS (
      SELECT petition FROM events WHERE space_id = ${chain} AND petition ${from}
      ORDER BY petition LIMIT ${limit}),
    g AS (
      SELECT petition FROM grants WHERE space_id = ${chain} AND petition ${from}
      ORDER BY petition LIMIT ${limit})
    SELECT DISTINCT petition FROM (SELECT petition FROM e UNION ALL SELECT petition FROM g) u
    WHERE ((SELECT count(*) FROM e) < ${limit} OR petition <= (SELECT max(petition) FROM e))
      AND ((SELECT count(*) FROM g) < ${limit} OR petition <= (SELECT max(petition) FROM g))
    ORDER BY petition`.execute(db)
  return rows.map((r) => r.petition)
}

/** The `access/grant` and `access/revoke` events of these petitions, by petition and then in chain order. */
export async function grantEvents(
  db: Kysely<Database>,
  chain: string,
  petitions: readonly string[],
): Promise<StoredEvent[]> {
  if (petitions.length === 0) return []
  // Ordered as events_petition is, so no engine trades that index for the primary key's seq order.
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'hash', 'prev_hash', 'body', 'petition'])
    .where('space_id', '=', chain)
    .where('petition', 'in', [...petitions])
    .where('event', 'in', [EVENT_NAMES.accessGrant, EVENT_NAMES.accessRevoke])
    .orderBy('petition')
    .orderBy('seq')
    .execute()
  return rows.map(toStoredEvent)
}

export async function grantRows(
  db: Kysely<Database>,
  chain: string,
  petitions: readonly string[],
): Promise<GrantRow[]> {
  if (petitions.length === 0) return []
  const rows = await db
    .selectFrom('grants')
    .select(['id', 'petition', 'petitioner_key', 'resource_key', 'start_time', 'expire_time', 'revoke_time'])
    .where('space_id', '=', chain)
    .where('petition', 'in', [...petitions])
    .execute()
  return rows.map((r) => ({
    id: r.id,
    petition: r.petition,
    petitionerKey: r.petitioner_key,
    resourceKey: r.resource_key,
    startTime: r.start_time,
    expireTime: r.expire_time,
    revokeTime: r.revoke_time,
  }))
}
