import { EVENT_NAMES } from '@openindent/contract'
import { hasRole, type SpaceAccess } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { DomainError, denied, notFound } from '../../errors.js'
import { isPetitionerOrFiler } from '../../rules/policy.js'
import type { PetitionRecord } from '../types.js'
import { revokeGrants } from './grants.js'
import { stepLocked } from './table.js'

/**
 * Closes a petition: an open one is cancelled, a granted one has its access revoked first. A
 * petitioner, the filer or an editor may close.
 */
export async function closePetition(ctx: Ctx, access: SpaceAccess, name: string): Promise<PetitionRecord> {
  const spaceId = access.space.id
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    tx.narrow()
    const p = await tx.petitions.lock(spaceId, name)
    if (!p) throw notFound(`petition "${name}"`)
    if (!isPetitionerOrFiler(p, access) && !hasRole(access.roles, 'editor')) {
      throw denied(`only a petitioner, the filer or an editor can close petition ${name}`)
    }
    if (p.phase === 'closed') throw new DomainError('CONFLICT', `petition ${name} is already closed`)
    if (p.phase === 'granted') await revokeGrants(tx, p, access.actor, 'petition closed', now)
    const closed = await stepLocked(tx, p, p.phase === 'open' ? 'cancel' : 'close', now, 'petition closed')
    await tx.audit.append(spaceId, [
      {
        event: EVENT_NAMES.petitionClose,
        actor: access.actor,
        resources: p.resources,
        timestamp: now,
        petition: name,
      },
    ])
    return closed
  })
}
