import { EVENT_NAMES } from '@openindent/contract'
import { type Kysely, sql } from 'kysely'
import type { ChainHead, EventLink, GrantRow } from '../../domain/audit/ports.js'
import type { Database } from '../schema.js'

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
 * The next `limit` petition names from either side, each side read as a DISTINCT over its own index
 * (events_petition, grants_petition) that stops after `limit` names, and the union cut to `limit`
 * again: the first names of the union are among the first of each side. Names are compared by the
 * database, so its collation decides the order and the next page's `after` agrees with it.
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
    SELECT petition FROM (
      SELECT DISTINCT petition FROM events
      WHERE space_id = ${chain} AND petition ${from}
        AND event IN (${EVENT_NAMES.accessGrant}, ${EVENT_NAMES.accessRevoke})
      ORDER BY petition LIMIT ${limit}) e
    UNION
    SELECT petition FROM (
      SELECT DISTINCT petition FROM grants
      WHERE space_id = ${chain} AND petition ${from}
      ORDER BY petition LIMIT ${limit}) g
    ORDER BY petition LIMIT ${limit}`.execute(db)
  return rows.map((r) => r.petition)
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
