import { EVENT_NAMES } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import { DomainError, denied, notFound } from '../errors.js'
import { isPetitioner } from '../rules/policy.js'
import { type ClaimDeps, revokeGrants } from './claims.js'
import type { PetitionRecord } from './types.js'

/**
 * Closes a petition: an open one is cancelled, a granted one has its access revoked first. The
 * petitioner or an editor may close.
 */
export async function closePetition(
  deps: ClaimDeps,
  access: SpaceAccess,
  name: string,
): Promise<PetitionRecord> {
  const spaceId = access.space.id
  const now = deps.clock.now()
  const closed = await deps.store.transaction(async (tx) => {
    const p = await tx.petitions.lock(spaceId, name, tx.engine)
    if (!p) throw notFound(`petition "${name}"`)
    if (!isPetitioner(p.petitioners, access)) {
      try {
        requireRole(access, 'editor')
      } catch {
        throw denied(`only the petitioner or an editor can close petition ${name}`)
      }
    }
    if (p.phase === 'closed') throw new DomainError('CONFLICT', `petition ${name} is already closed`)
    if (p.phase === 'granted') await revokeGrants(tx, p, access.actor, 'petition closed', now)
    const outcome = p.phase === 'open' ? { outcome: 'cancelled' as const } : undefined
    const updated = await tx.petitions.transition(
      spaceId,
      name,
      ['open', 'granted', 'revoked'],
      'closed',
      now,
      outcome,
    )
    await tx.audit.append(spaceId, [
      {
        event: EVENT_NAMES.petitionClose,
        actor: access.actor,
        resources: p.resources,
        timestamp: now,
        petition: name,
      },
    ])
    return updated ?? p
  })
  await deps.notifier.publish(spaceId, name)
  return closed
}
