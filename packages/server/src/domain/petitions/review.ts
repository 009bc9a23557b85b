import { EVENT_NAMES } from '@openindent/contract'
import { hasRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { callerIdentity, identityOf } from '../identity.js'
import { isPetitionerOrFiler, mayReview, type Policy, type PolicyReads, policyFor } from '../rules/policy.js'
import { allows } from './lifecycle/table.js'
import { getPetition, type PetitionDetails, petitionDetails } from './queries.js'
import { type PetitionRecord, targetKey } from './types.js'

/** What the caller may do to a petition now: the same checks decide.ts and close.ts apply. */
export interface AllowedActions {
  approve: boolean
  deny: boolean
  revoke: boolean
  close: boolean
}

/** A petition as a reviewer sees it: its history, the policy that governs it and what they may do. */
export interface PetitionReview extends PetitionDetails {
  policy: Policy
  /** Identities of the people who approved so far (once each). */
  approvedBy: string[]
  actions: AllowedActions
}

/** Identities that approved, from the petition's own history, each once. */
export function approversOf(details: PetitionDetails): string[] {
  const out = new Set<string>()
  for (const e of details.history) {
    if (e.event === EVENT_NAMES.accessApprove && e.actor) out.add(identityOf(e.actor))
  }
  return [...out]
}

/** Offered only what the server would accept: a forced action is still refused by the use case itself. */
export function allowedActions(
  p: PetitionRecord,
  policy: Policy,
  access: SpaceAccess,
  approvedBy: readonly string[],
): AllowedActions {
  const reviewer = mayReview(policy, access)
  const mine = isPetitionerOrFiler(p, access)
  const otherEyes = policy.allowSelfApproval || !mine
  return {
    approve: reviewer && otherEyes && allows(p, 'grant') && !approvedBy.includes(callerIdentity(access)),
    deny: reviewer && allows(p, 'deny'),
    revoke: (reviewer || mine) && allows(p, 'revoke'),
    close: (mine || hasRole(access.roles, 'editor')) && p.phase !== 'closed',
  }
}

/** One petition for its page, if the caller may see it (else NOT_FOUND, as the API answers). */
export async function reviewPetition(ctx: Ctx, access: SpaceAccess, name: string): Promise<PetitionReview> {
  const p = await getPetition(ctx, access, name)
  const [details, policy] = await Promise.all([
    petitionDetails(ctx, p),
    policyFor(ctx.store, p.spaceId, p.resources),
  ])
  const approvedBy = approversOf(details)
  return { ...details, policy, approvedBy, actions: allowedActions(p, policy, access, approvedBy) }
}

/**
 * Policies of many petitions, each computed once per set of targets: a page of petitions for the
 * same few resources costs a few rule lookups, not one per petition.
 */
export function policyCache(reads: PolicyReads): (p: PetitionRecord) => Promise<Policy> {
  const policies = new Map<string, Promise<Policy>>()
  return (p) => {
    const key = p.resources.map(targetKey).sort().join('\u0000')
    let policy = policies.get(key)
    if (!policy) {
      policy = policyFor(reads, p.spaceId, p.resources)
      policies.set(key, policy)
    }
    return policy
  }
}
