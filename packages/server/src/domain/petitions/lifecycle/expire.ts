import { SYSTEM_ACTOR } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { revokeEvent } from './grants.js'
import { stepMany } from './table.js'

/**
 * Revokes grants whose time is up, at most `batch` of them. The database says what is due (so expiry
 * survives restarts), and a conditional update claims each grant (skipping rows another instance has
 * claimed), so with several instances each grant is revoked exactly once. Each revoke writes `access/revoke` with the system as actor; a petition with
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
    // Per space, in as few statements as the work allows: thousands of grants can fall due in the same
    // second, and one round trip per petition per step made the last of them seconds late.
    const bySpace = new Map<string, Map<string, typeof due>>()
    for (const g of due) {
      const petitions = bySpace.get(g.spaceId) ?? new Map<string, typeof due>()
      const list = petitions.get(g.petition) ?? []
      list.push(g)
      petitions.set(g.petition, list)
      bySpace.set(g.spaceId, petitions)
    }
    for (const [spaceId, petitions] of bySpace) {
      // The same events in the same order as one append per petition would write.
      await tx.audit.append(
        spaceId,
        [...petitions.values()].flatMap((grants) =>
          grants.map((g) => revokeEvent(g, SYSTEM_ACTOR, 'expired', now)),
        ),
      )
      const live = await tx.petitions.withLiveGrants(spaceId, [...petitions.keys()])
      const ended = [...petitions.keys()].filter((name) => !live.has(name))
      await stepMany(tx, spaceId, ended, 'expire', now, 'expired')
    }
    return due.length
  })
}
