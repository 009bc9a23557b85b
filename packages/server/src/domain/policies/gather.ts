import type { EventResource } from '@openindent/contract'
import { identityOf, isUserKind, personEmail } from '../identity.js'
import { resourceName } from '../resources/types.js'
import type { Repositories } from '../unit-of-work.js'
import type { CedarRequest, PreparedSet } from './engine.js'
import { cedarRequest, clockIn, principalEntities, resourceEntity } from './request.js'

/** A request as policies see it: who, for what, why and for how long, and when. */
export interface PolicyQuestion {
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string | undefined
  /** The duration asked for, else the approval rule's default. */
  durationMs: number
  at: number
  /** The petition being re-evaluated, which must not count among its petitioners' open petitions. */
  openPetition?: boolean
}

/**
 * One Cedar request per petitioner × target, from what the store knows: member roles, uploaded
 * `user` resources and stored resource labels (never labels sent with the request).
 */
export async function gatherRequests(
  store: Pick<Repositories, 'policies' | 'resources'>,
  set: PreparedSet,
  q: PolicyQuestion,
): Promise<CedarRequest[]> {
  const clock = clockIn(set.timeZone, q.at)
  const context = { reason: q.reason ?? '', durationSeconds: Math.round(q.durationMs / 1000), ...clock }
  const targets = await Promise.all(
    q.resources.map(async (t) => {
      const stored =
        t.kind && t.id ? await store.resources.get(set.spaceId, resourceName(t.kind, t.id)) : undefined
      return resourceEntity(t, stored?.labels)
    }),
  )
  const principals = await Promise.all(
    q.petitioners.map(async (petitioner) => {
      const email = isUserKind(petitioner.kind) ? personEmail(petitioner) : undefined
      const facts = await store.policies.facts(set.spaceId, email, identityOf(petitioner), q.at)
      if (q.openPetition) facts.openPetitions = Math.max(0, facts.openPetitions - 1)
      return { entities: principalEntities(petitioner, facts), facts }
    }),
  )
  const out: CedarRequest[] = []
  for (const p of principals) {
    for (const target of targets) out.push(cedarRequest(p.entities, target, context, p.facts))
  }
  return out
}
