import type { EventResource } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import { identityOf } from '../identity.js'
import type { PetitionDeps } from './deps.js'
import { openPetition, petitionersFor } from './lifecycle/open.js'
import { type PetitionRecord, requestKey, targetKey } from './types.js'
import { holdUntilSettled } from './wait.js'

export interface CheckInput {
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string | undefined
  durationMs?: number | undefined
  /** How long to hold the request for a decision, in ms (see `holdMs`). */
  waitMs: number
}

export interface CheckDeps extends PetitionDeps {
  /** How long a denial answers identical requests before they may ask again. */
  denialWindowMs: number
}

export type CheckResult =
  | {
      status: 'granted'
      petitionName: string
      expireTime?: number
      /** The petition, when this call opened it and a policy granted it: no need to read it again. */
      petition?: PetitionRecord
    }
  | { status: 'waiting'; petition: PetitionRecord }
  | { status: 'denied'; petition: PetitionRecord; reason?: string }

/**
 * The Approval Kit's one call. `granted` when live grants cover every petitioner × target; `waiting`
 * while a petition is open (one is opened when there is none); `denied` when the latest identical
 * request was denied within the denial window. With a wait, a waiting answer is held until the
 * petition is decided or the wait ends.
 */
export async function checkApproval(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
): Promise<CheckResult> {
  const petitioners = petitionersFor(access, input.petitioners)
  const first =
    (await evaluate(deps, access, { ...input, petitioners })) ??
    (await opened(deps, access, { ...input, petitioners }))
  // Later reads never open a petition: one closed meanwhile (cancelled, say) leaves the answer waiting.
  return holdUntilSettled(deps, access.space.id, first, {
    waitMs: input.waitMs,
    petitionOf: (r) => (r.status === 'waiting' ? r.petition.name : undefined),
    read: async (previous) => (await evaluate(deps, access, { ...input, petitioners })) ?? previous,
    settled: (r) => r.status !== 'waiting',
  })
}

/** Opens a petition; one that a policy decided at once answers granted or denied in this same call. */
async function opened(deps: CheckDeps, access: SpaceAccess, input: CheckInput): Promise<CheckResult> {
  const { petition } = await openPetition(deps, access, input)
  if (petition.phase === 'open') return { status: 'waiting', petition }
  const decided = (await evaluate(deps, access, input)) ?? { status: 'waiting', petition }
  return decided.status === 'granted' && decided.petitionName === petition.name
    ? { ...decided, petition }
    : decided
}

async function evaluate(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
): Promise<CheckResult | undefined> {
  const spaceId = access.space.id
  const now = deps.clock.now()
  const pKeys = [...new Set(input.petitioners.map(identityOf))]
  const rKeys = [...new Set(input.resources.map(targetKey))]
  const live = await deps.store.petitions.activeGrants(spaceId, pKeys, rKeys, now)
  const covered = new Set(live.map((g) => `${g.petitionerKey}\u0000${g.resourceKey}`))
  if (pKeys.every((p) => rKeys.every((r) => covered.has(`${p}\u0000${r}`)))) {
    const expiries = live.map((g) => g.expireTime).filter((t): t is number => t !== undefined)
    const latest = live.reduce((a, b) => (b.startTime > a.startTime ? b : a))
    return {
      status: 'granted',
      petitionName: latest.petition,
      ...(expiries.length === live.length ? { expireTime: Math.min(...expiries) } : {}),
    }
  }
  const latest = await deps.store.petitions.latestFor(spaceId, requestKey(input.petitioners, input.resources))
  if (latest?.phase === 'open') return { status: 'waiting', petition: latest }
  if (latest?.outcome === 'denied' && now - (latest.decideTime ?? 0) < deps.denialWindowMs) {
    return {
      status: 'denied',
      petition: latest,
      ...(latest.decideReason ? { reason: latest.decideReason } : {}),
    }
  }
  return undefined
}
