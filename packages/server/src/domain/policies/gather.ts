import type { EventResource } from '@openindent/contract'
import { identityOf, isUserKind, personEmail } from '../identity.js'
import type { CedarRequest, PreparedSet } from './engine.js'
import type { Requester, RequesterFacts } from './ports.js'
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

/** How the store finds a petitioner's facts. */
export function requesterOf(petitioner: EventResource): Requester {
  return {
    email: isUserKind(petitioner.kind) ? personEmail(petitioner) : undefined,
    identity: identityOf(petitioner),
  }
}

/**
 * One Cedar request per petitioner × target, from what the store knows: member roles, uploaded
 * `user` resources and stored resource labels (never labels sent with the request). `facts` are the
 * petitioners' in order, `targetLabels` the targets' stored labels in order (undefined: never uploaded).
 */
export function gatherRequests(
  set: PreparedSet,
  q: PolicyQuestion,
  facts: readonly RequesterFacts[],
  targetLabels: readonly (Record<string, string> | undefined)[],
): CedarRequest[] {
  const clock = clockIn(set.timeZone, q.at)
  const context = { reason: q.reason ?? '', durationSeconds: Math.round(q.durationMs / 1000), ...clock }
  const targets = q.resources.map((t, i) => resourceEntity(t, targetLabels[i]))
  const out: CedarRequest[] = []
  for (const [i, petitioner] of q.petitioners.entries()) {
    const known = facts[i]
    if (!known) throw new Error('a petitioner without facts')
    const f = q.openPetition ? { ...known, openPetitions: Math.max(0, known.openPetitions - 1) } : known
    const entities = principalEntities(petitioner, f)
    for (const target of targets) out.push(cedarRequest(entities, target, context, f))
  }
  return out
}
