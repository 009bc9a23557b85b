import type { EventResource } from '@openindent/contract'
import type { SpaceAccess } from '../auth/principal.js'
import { identityOf } from '../identity.js'
import type { PetitionDeps } from './deps.js'
import { openPetition, petitionersFor } from './lifecycle/open.js'
import type { LiveGrant } from './ports.js'
import { type PetitionDetails, withDetails } from './queries.js'
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
      /** Every petition whose grant answers this check: the watch stream follows them. */
      petitions: string[]
      /** The petition, when this call opened it and a policy granted it: no need to read it again. */
      petition?: PetitionRecord
      /** Its history and grants, read once for both this answer and the reply. */
      details?: PetitionDetails
    }
  | { status: 'waiting'; petition: PetitionRecord }
  | { status: 'denied'; petition: PetitionRecord; reason?: string }

type Granted = Extract<CheckResult, { status: 'granted' }>

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
  const seen: LiveGrant[] = []
  const first =
    (await evaluate(deps, access, { ...input, petitioners }, seen)) ??
    (await opened(deps, access, { ...input, petitioners }, seen))
  // Later reads never open a petition: one closed meanwhile (cancelled, say) leaves the answer waiting.
  return holdUntilSettled(deps, access.space.id, first, {
    waitMs: input.waitMs,
    petitionOf: (r) => (r.status === 'waiting' ? r.petition.name : undefined),
    read: async (previous) => (await evaluate(deps, access, { ...input, petitioners })) ?? previous,
    settled: (r) => r.status !== 'waiting',
  })
}

/**
 * Opens a petition; one that a policy (or a decision webhook) decided at once answers granted or denied
 * in this same call. A grant made here answers from its own details and the live grants `seen` before
 * opening, which is what reading the live grants again would find.
 */
async function opened(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
  seen: LiveGrant[],
): Promise<CheckResult> {
  const opened = await openPetition(deps, access, input)
  const { petition, created } = opened
  if (petition.phase === 'open') return { status: 'waiting', petition }
  if (created && petition.phase === 'granted') {
    // What the opening transaction wrote is the petition's whole history and every grant it made.
    const details =
      opened.history && opened.grants
        ? {
            petition,
            history: opened.history.filter((e) => e.petition === petition.name).map((e) => e.event),
            grants: opened.grants,
          }
        : (await withDetails(deps, [petition]))[0]
    const now = deps.clock.now()
    const made = (details?.grants ?? []).filter(
      (g) => g.revokeTime === undefined && (g.expireTime === undefined || g.expireTime > now),
    )
    const answer = grantedBy(input, [
      ...seen,
      ...made.map((g) => ({
        petition: g.petition,
        petitionerKey: identityOf(g.petitioner),
        resourceKey: targetKey(g.resource),
        startTime: g.startTime,
        ...(g.expireTime === undefined ? {} : { expireTime: g.expireTime }),
      })),
    ])
    if (answer && details) return { ...answer, petition, details }
  }
  const decided = (await evaluate(deps, access, input)) ?? { status: 'waiting', petition }
  return decided.status === 'granted' && decided.petitionName === petition.name
    ? { ...decided, petition }
    : decided
}

/** Granted when `live` covers every petitioner × target; undefined otherwise. */
function grantedBy(input: CheckInput, live: LiveGrant[]): Granted | undefined {
  const pKeys = [...new Set(input.petitioners.map(identityOf))]
  const rKeys = [...new Set(input.resources.map(targetKey))]
  const covered = new Set(live.map((g) => `${g.petitionerKey}\u0000${g.resourceKey}`))
  if (!pKeys.every((p) => rKeys.every((r) => covered.has(`${p}\u0000${r}`)))) return undefined
  const expiries = live.map((g) => g.expireTime).filter((t): t is number => t !== undefined)
  const latest = live.reduce((a, b) => (b.startTime > a.startTime ? b : a))
  return {
    status: 'granted',
    petitionName: latest.petition,
    // Every petition behind the answer: a change to any of them may end it.
    petitions: [...new Set(live.map((g) => g.petition))],
    ...(expiries.length === live.length ? { expireTime: Math.min(...expiries) } : {}),
  }
}

/** The answer without opening anything; the live grants it read are added to `seen` when given. */
async function evaluate(
  deps: CheckDeps,
  access: SpaceAccess,
  input: CheckInput,
  seen?: LiveGrant[],
): Promise<CheckResult | undefined> {
  const spaceId = access.space.id
  const now = deps.clock.now()
  const pKeys = [...new Set(input.petitioners.map(identityOf))]
  const rKeys = [...new Set(input.resources.map(targetKey))]
  const live = await deps.store.petitions.activeGrants(spaceId, pKeys, rKeys, now)
  seen?.push(...live)
  const granted = grantedBy(input, live)
  if (granted) return granted
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
