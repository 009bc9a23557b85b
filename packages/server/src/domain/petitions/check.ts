import type { EventResource } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import { waitForSignal } from '../notifier.js'
import type { ClaimDeps } from './claims.js'
import { openPetition, requireMayPetition } from './open.js'
import { type PetitionRecord, requestKey, subjectKey } from './types.js'

export interface CheckInput {
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string | undefined
  durationMs?: number | undefined
  /** How long to hold the request for a decision, in ms. */
  waitMs: number
}

export interface CheckDeps extends ClaimDeps {
  /** How long a denial answers identical requests before they may ask again. */
  denialWindowMs: number
}

export type CheckResult =
  | { status: 'granted'; petitionName: string; expireTime?: number }
  | { status: 'waiting'; petition: PetitionRecord }
  | { status: 'denied'; petition: PetitionRecord; reason?: string }

/**
 * The Approval Kit's one call. `granted` when live grants cover every petitioner × target; `waiting`
 * while a petition is open (one is opened when there is none); `denied` when the latest identical
 * request was denied within the denial window. With a wait, a waiting answer is held until a decision
 * is announced or the wait ends: the subscription is made before the state is read again, so a
 * decision landing in between is not missed.
 */
export async function checkApproval(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
): Promise<CheckResult> {
  requireMayPetition(access, input.petitioners)
  const first = await evaluate(deps, access, input)
  let result: CheckResult = first ?? {
    status: 'waiting',
    petition: (await openPetition(deps, access, input)).petition,
  }
  const deadline = Date.now() + input.waitMs
  while (result.status === 'waiting') {
    const left = deadline - Date.now()
    if (left <= 0) break
    const { signalled, cancel } = waitForSignal(deps.notifier, access.space.id, result.petition.name, left)
    const again = await evaluate(deps, access, input)
    if (again && again.status !== 'waiting') {
      cancel()
      return again
    }
    if (!(await signalled)) break
    result = (await evaluate(deps, access, input)) ?? result
  }
  return result
}

async function evaluate(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
): Promise<CheckResult | undefined> {
  const spaceId = access.space.id
  const now = deps.clock.now()
  const pKeys = [...new Set(input.petitioners.map(subjectKey))]
  const rKeys = [...new Set(input.resources.map(subjectKey))]
  const live = await deps.store.petitions.activeGrants(spaceId, pKeys, rKeys, now)
  const covered = new Set(live.map((g) => `${g.petitioner_key}\u0000${g.resource_key}`))
  if (pKeys.every((p) => rKeys.every((r) => covered.has(`${p}\u0000${r}`)))) {
    const expiries = live.map((g) => g.expire_time).filter((t): t is number => t !== null)
    const latest = live.reduce((a, b) => (b.start_time > a.start_time ? b : a))
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
