import { EVENT_NAMES, type Event, OPENINDENT_LABELS } from '@openindent/contract'
import type { NewEvent } from '../../audit/types.js'
import type { SpaceAccess } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { denied, notFound } from '../../errors.js'
import { callerIdentity, identityOf } from '../../identity.js'
import { isPetitionerOrFiler, mayReview, type Policy, policyFor } from '../../rules/policy.js'
import type { UnitOfWork } from '../../unit-of-work.js'
import type { PetitionRecord } from '../types.js'
import { approvedDuration, quorumDuration } from './durations.js'
import { durationLabels, grantAll, revokeGrants } from './grants.js'
import { requiredApprovals } from './policy.js'
import { allows, notAllowed, stepLocked } from './table.js'

export interface DecisionInput {
  event: 'access/approve' | 'access/deny' | 'access/revoke'
  reason?: string | undefined
  labels?: Record<string, string> | undefined
}

/** One decision being taken: who, on which (locked) petition, under which policy, when. */
interface Decision {
  tx: UnitOfWork
  access: SpaceAccess
  p: PetitionRecord
  policy: Policy
  claim: DecisionInput
  now: number
}

/**
 * A reviewer's approve or deny, or a revoke by a reviewer, a petitioner or the filer: a claim on the
 * petition. Each runs in one transaction on the petition's locked row, so two reviewers deciding at
 * once are applied one after the other. Returns the claim as stored in the audit log.
 */
export async function decide(
  ctx: Ctx,
  access: SpaceAccess,
  petitionName: string,
  claim: DecisionInput,
): Promise<Event> {
  const spaceId = access.space.id
  const current = await ctx.store.petitions.get(spaceId, petitionName)
  if (!current) throw notFound(`petition "${petitionName}"`)
  const policy = await policyFor(ctx.store, spaceId, current.resources)
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const p = await tx.petitions.lock(spaceId, petitionName)
    if (!p) throw notFound(`petition "${petitionName}"`)
    const d: Decision = { tx, access, p, policy, claim, now }
    switch (claim.event) {
      case 'access/approve':
        return approve(d)
      case 'access/deny':
        return deny(d)
      case 'access/revoke':
        return revoke(d)
    }
  })
}

function requireReviewer({ access, p, policy }: Decision): void {
  if (!mayReview(policy, access)) throw denied(`you are not a reviewer for petition ${p.name}`)
}

/**
 * Four eyes: unless every rule allows self-approval, an approval must come from someone other than
 * every petitioner and other than whoever filed the petition, compared by identity.
 */
function requireOtherEyes({ p, policy }: Decision, me: string): void {
  if (policy.allowSelfApproval) return
  if (p.petitioners.some((r) => identityOf(r) === me)) {
    throw denied('approving your own petition is not allowed here')
  }
  if (p.filer === me) throw denied('approving a petition you filed is not allowed here')
}

async function approve(d: Decision): Promise<Event> {
  const { tx, access, p, policy, claim, now } = d
  requireReviewer(d)
  if (!allows(p, 'grant')) throw notAllowed(p, 'grant')
  const me = callerIdentity(access)
  requireOtherEyes(d, me)
  const ms = approvedDuration(claim.labels ?? {}, p, policy, now)
  const { added, approvals } = await tx.petitions.addApproval(p.spaceId, p.name, me, ms, now)
  // A reviewer approving again changes nothing: the petition keeps their first approval and its event.
  if (!added) return earlierApproval(tx, p, me)
  const required = requiredApprovals(p.labels, policy)
  const labels = {
    ...claim.labels,
    ...durationLabels(ms, now),
    [OPENINDENT_LABELS.approvals]: String(approvals.length),
    [OPENINDENT_LABELS.approvalsRequired]: String(required),
  }
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessApprove, access, p, claim.reason, labels, now),
  ])
  tx.emit({ kind: 'petition', type: 'approved', spaceId: p.spaceId, petition: p.name, at: now })
  if (approvals.length >= required) {
    await stepLocked(tx, p, 'grant', now, claim.reason)
    // A quorum grants for as long as its most cautious approval allowed.
    await grantAll(tx, p, access.actor, quorumDuration(approvals), now)
  }
  if (!stored) throw new Error('an approval appended no event')
  return stored.event
}

async function earlierApproval(tx: UnitOfWork, p: PetitionRecord, me: string): Promise<Event> {
  const approvals = await tx.audit.petitionEvents(p.spaceId, [p.name], { only: [EVENT_NAMES.accessApprove] })
  const mine = approvals.find((e) => e.event.actor && identityOf(e.event.actor) === me)
  if (!mine) throw new Error(`petition ${p.name} records an approval by ${me} without its event`)
  return mine.event
}

async function deny(d: Decision): Promise<Event> {
  const { tx, access, p, claim, now } = d
  requireReviewer(d)
  await stepLocked(tx, p, 'deny', now, claim.reason)
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessDeny, access, p, claim.reason, claim.labels, now),
  ])
  if (!stored) throw new Error('a denial appended no event')
  return stored.event
}

async function revoke(d: Decision): Promise<Event> {
  const { tx, access, p, policy, claim, now } = d
  // Taking access away is always safe: reviewers, the petitioners and the filer may.
  if (!mayReview(policy, access) && !isPetitionerOrFiler(p, access)) {
    throw denied(`only a reviewer, a petitioner or the filer can revoke petition ${p.name}`)
  }
  if (!allows(p, 'revoke')) throw notAllowed(p, 'revoke')
  const [first] = await revokeGrants(tx, p, access.actor, claim.reason ?? 'revoked', now)
  await stepLocked(tx, p, 'revoke', now, claim.reason)
  if (!first) throw new Error('a revocation appended no event')
  return first.event
}

function claimEvent(
  event: string,
  access: SpaceAccess,
  p: PetitionRecord,
  reason: string | undefined,
  labels: Record<string, string> | undefined,
  now: number,
): NewEvent {
  return {
    event,
    actor: access.actor,
    resources: [...p.petitioners, ...p.resources],
    ...(reason ? { reason } : {}),
    timestamp: now,
    petition: p.name,
    ...(labels && Object.keys(labels).length ? { labels } : {}),
  }
}
