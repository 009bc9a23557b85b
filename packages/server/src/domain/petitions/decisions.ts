import { CLAIM_EVENTS, type Event } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import { notFound } from '../errors.js'
import { waitForSignal } from '../notifier.js'
import type { ClaimDeps } from './claims.js'
import type { PetitionRecord } from './types.js'
import { getPetition } from './view.js'

const CLAIMS = new Set<string>(CLAIM_EVENTS)

/** A petition's claims (approve, deny, revoke), oldest first. */
export async function listClaims(deps: ClaimDeps, access: SpaceAccess, name: string): Promise<Event[]> {
  const p = await getPetition(deps, access, name)
  const history = await deps.store.petitions.history(access.space.id, p.name)
  return history.map((body) => JSON.parse(body) as Event).filter((e) => CLAIMS.has(e.event))
}

export async function getClaim(
  deps: ClaimDeps,
  access: SpaceAccess,
  name: string,
  id: string,
): Promise<Event> {
  const claim = (await listClaims(deps, access, name)).find((e) => e.id === id)
  if (!claim) throw notFound(`claim "${id}"`)
  return claim
}

/**
 * The petition once it leaves `open`, or as it is when `waitMs` ends. Subscribes before reading again,
 * so a decision landing in between is not missed.
 */
export async function waitForDecision(
  deps: ClaimDeps,
  access: SpaceAccess,
  name: string,
  waitMs: number,
): Promise<PetitionRecord> {
  const p = await getPetition(deps, access, name)
  if (p.phase !== 'open' || waitMs <= 0) return p
  const { signalled, cancel } = waitForSignal(deps.notifier, access.space.id, p.name, waitMs)
  const again = await getPetition(deps, access, name)
  if (again.phase !== 'open') {
    cancel()
    return again
  }
  return (await signalled) ? getPetition(deps, access, name) : again
}
