import { CLAIM_EVENTS, type Event } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { notFound } from '../errors.js'
import { decodePageToken, page } from '../pagination.js'
import { getPetition } from './queries.js'

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** A petition's claims (approve, deny, revoke), oldest first, a page at a time. */
export async function listClaims(
  ctx: Ctx,
  access: SpaceAccess,
  name: string,
  q: { pageSize?: number | undefined; pageToken?: string | undefined } = {},
): Promise<{ items: Event[]; nextPageToken?: string }> {
  const p = await getPetition(ctx, access, name)
  const afterSeq = decodePageToken(q.pageToken, isSeq)
  const result = await page(
    q.pageSize,
    (limit) =>
      ctx.store.audit.petitionEvents(access.space.id, [p.name], { only: CLAIM_EVENTS, afterSeq, limit }),
    (last) => last.seq,
  )
  return { ...result, items: result.items.map((e) => e.event) }
}

/** One claim by its event id. */
export async function getClaim(ctx: Ctx, access: SpaceAccess, name: string, id: string): Promise<Event> {
  const p = await getPetition(ctx, access, name)
  const claims = await ctx.store.audit.petitionEvents(access.space.id, [p.name], { only: CLAIM_EVENTS })
  const claim = claims.find((e) => e.event.id === id)
  if (!claim) throw notFound(`claim "${id}"`)
  return claim.event
}
