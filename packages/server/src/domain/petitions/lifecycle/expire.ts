import { SYSTEM_ACTOR } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { revokeEvent } from './grants.js'
import { step } from './table.js'

/**
 * Revokes grants whose time is up, at most `batch` of them. The database says what is due (so expiry
 * survives restarts), and a conditional update claims each grant, so with several instances each grant
 * is revoked exactly once. Each revoke writes `access/revoke` with the system as actor; a petition with
 * no live grant left expires. Returns how many grants this call revoked.
 */
export async function expireDue(ctx: Ctx, batch: number): Promise<number> {
  // Read first: a pass with nothing due writes nothing (a commit would empty every cache).
  const now = ctx.clock.now()
  const next = await ctx.store.petitions.nextExpiry()
  if (next === undefined || next > now) return 0
  return ctx.store.transaction(async (tx) => {
    tx.narrow()
    const due = await tx.petitions.revokeExpired(now, batch)
    const byPetition = new Map<string, typeof due>()
    for (const g of due) {
      const key = `${g.spaceId}\u0000${g.petition}`
      const list = byPetition.get(key) ?? []
      list.push(g)
      byPetition.set(key, list)
    }
    for (const grants of byPetition.values()) {
      const { spaceId, petition: name } = grants[0] as (typeof due)[number]
      await tx.audit.append(
        spaceId,
        grants.map((g) => revokeEvent(g, SYSTEM_ACTOR, 'expired', now)),
      )
      if ((await tx.petitions.liveGrantCount(spaceId, name)) === 0) {
        await step(tx, { spaceId, name }, 'expire', now, 'expired')
      }
    }
    return due.length
  })
}
