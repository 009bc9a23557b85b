import {
  EVENT_NAMES,
  type EventResource,
  formatGoDuration,
  LABELS,
  parseGoDuration,
} from '@openindent/contract'
import type { Store } from '../../store/store.js'
import type { NewEvent } from '../audit/types.js'
import type { SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { DomainError, denied, invalid, notFound } from '../errors.js'
import { newId } from '../ids.js'
import type { DecisionNotifier } from '../notifier.js'
import { isPetitioner, mayReview, type Policy, policyFor } from '../rules/policy.js'
import type { GrantRecord, PetitionRecord } from './types.js'

export interface ClaimInput {
  event: 'access/approve' | 'access/deny' | 'access/revoke'
  reason?: string | undefined
  labels?: Record<string, string> | undefined
}

export interface ClaimDeps extends Ctx {
  notifier: DecisionNotifier
}

const conflict = (p: PetitionRecord, what: string) =>
  new DomainError('CONFLICT', `petition ${p.name} is ${p.phase}; only ${what} petitions can be`)

/**
 * A reviewer's approve or deny, or a revoke by a reviewer or the petitioner. Each runs in one
 * transaction on the petition's locked row, so two reviewers deciding at once are applied one after
 * the other; waiters are told after the commit.
 */
export async function submitClaim(
  deps: ClaimDeps,
  access: SpaceAccess,
  petitionName: string,
  claim: ClaimInput,
): Promise<string> {
  const spaceId = access.space.id
  const current = await deps.store.petitions.get(spaceId, petitionName)
  if (!current) throw notFound(`petition "${petitionName}"`)
  const policy = await policyFor(deps.store, spaceId, current.resources)
  const now = deps.clock.now()
  const body = await deps.store.transaction(async (tx) => {
    const p = await tx.petitions.lock(spaceId, petitionName, tx.engine)
    if (!p) throw notFound(`petition "${petitionName}"`)
    switch (claim.event) {
      case 'access/approve':
        return approve(tx, access, p, policy, claim, now)
      case 'access/deny':
        return deny(tx, access, p, policy, claim, now)
      case 'access/revoke':
        return revoke(tx, access, p, policy, claim, now)
    }
  })
  await deps.notifier.publish(spaceId, petitionName)
  return body
}

function requireReviewer(access: SpaceAccess, p: PetitionRecord, policy: Policy): void {
  if (!mayReview(policy, access)) throw denied(`you are not a reviewer for petition ${p.name}`)
}

/** The approved duration in ms, or null for until-revoked; checked against the policy. */
export function approvedDuration(
  labels: Record<string, string>,
  p: PetitionRecord,
  policy: Policy,
  now: number,
): number | null {
  const param = 'claim.meta.labels'
  if (labels[LABELS.indefinite] === 'true') {
    if (!policy.allowIndefinite) throw invalid('these resources cannot be granted indefinitely', param)
    return null
  }
  let ms: number | undefined
  const expires = labels[LABELS.expires]
  const duration = labels[LABELS.duration]
  if (duration !== undefined) {
    ms = parseGoDuration(duration)
    if (ms === undefined)
      throw invalid(`${LABELS.duration}: "${duration}" is not a Go duration such as 2h`, param)
    if (ms < 0) {
      if (!policy.allowIndefinite) throw invalid('these resources cannot be granted indefinitely', param)
      return null
    }
  } else if (expires !== undefined) {
    const at = Date.parse(expires)
    if (Number.isNaN(at)) throw invalid(`${LABELS.expires}: "${expires}" is not an RFC 3339 time`, param)
    ms = at - now
  }
  ms ??= p.durationMs ?? policy.defaultMs
  if (ms <= 0) throw invalid('the approved duration must be positive', param)
  if (ms > policy.maxMs)
    throw invalid(`the approved duration is longer than the ${formatGoDuration(policy.maxMs)} allowed`, param)
  return ms
}

function reviewerKey(access: SpaceAccess): string {
  return `${access.actor.kind}/${access.actor.id}`
}

function durationLabels(ms: number | null, now: number): Record<string, string> {
  if (ms === null) return { [LABELS.indefinite]: 'true', [LABELS.duration]: '-1ns' }
  return { [LABELS.duration]: formatGoDuration(ms), [LABELS.expires]: new Date(now + ms).toISOString() }
}

async function approve(
  tx: Store,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: ClaimInput,
  now: number,
): Promise<string> {
  requireReviewer(access, p, policy)
  if (p.phase !== 'open') throw conflict(p, 'open')
  if (!policy.allowSelfApproval && isPetitioner(p.petitioners, access)) {
    throw denied('approving your own petition is not allowed here')
  }
  const ms = approvedDuration(claim.labels ?? {}, p, policy, now)
  const count = await tx.petitions.addApproval(p.spaceId, p.name, reviewerKey(access), ms, now)
  const labels = { ...claim.labels, ...durationLabels(ms, now) }
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessApprove, access, p, claim.reason, labels, now),
  ])
  if (count >= policy.minApprovals) {
    await tx.petitions.transition(p.spaceId, p.name, ['open'], 'granted', now, {
      outcome: 'approved',
      reason: claim.reason,
    })
    const grants: GrantRecord[] = p.petitioners.flatMap((petitioner) =>
      p.resources.map((resource) => ({
        id: newId('grt'),
        petition: p.name,
        petitioner,
        resource,
        startTime: now,
        ...(ms === null ? {} : { expireTime: now + ms }),
      })),
    )
    await tx.petitions.insertGrants(p.spaceId, grants)
    await tx.audit.append(
      p.spaceId,
      grants.map((g) => ({
        event: EVENT_NAMES.accessGrant,
        actor: access.actor,
        resources: [g.petitioner, g.resource],
        timestamp: now,
        petition: p.name,
        labels: durationLabels(ms, now),
      })),
    )
  }
  return stored?.body ?? '{}'
}

async function deny(
  tx: Store,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: ClaimInput,
  now: number,
): Promise<string> {
  requireReviewer(access, p, policy)
  if (p.phase !== 'open') throw conflict(p, 'open')
  await tx.petitions.transition(p.spaceId, p.name, ['open'], 'closed', now, {
    outcome: 'denied',
    reason: claim.reason,
  })
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessDeny, access, p, claim.reason, claim.labels, now),
  ])
  return stored?.body ?? '{}'
}

async function revoke(
  tx: Store,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: ClaimInput,
  now: number,
): Promise<string> {
  if (!mayReview(policy, access) && !isPetitioner(p.petitioners, access)) {
    throw denied(`only a reviewer or the petitioner can revoke petition ${p.name}`)
  }
  if (p.phase !== 'granted') throw conflict(p, 'granted')
  const events = await revokeGrants(tx, p, access.actor, claim.reason ?? 'revoked', now)
  await tx.petitions.transition(p.spaceId, p.name, ['granted'], 'revoked', now, {
    outcome: 'revoked',
    reason: claim.reason,
  })
  return events[0]?.body ?? '{}'
}

/** Revokes a petition's live grants, with an `access/revoke` event for each. */
export async function revokeGrants(
  tx: Store,
  p: PetitionRecord,
  actor: EventResource,
  reason: string,
  now: number,
) {
  const revoked = await tx.petitions.revokeGrantsOf(p.spaceId, p.name, now, reason)
  return tx.audit.append(
    p.spaceId,
    revoked.map((g) => revokeEvent(g, actor, reason, now)),
  )
}

export function revokeEvent(g: GrantRecord, actor: EventResource, reason: string, now: number): NewEvent {
  return {
    event: EVENT_NAMES.accessRevoke,
    actor,
    resources: [g.petitioner, g.resource],
    reason,
    timestamp: now,
    petition: g.petition,
  }
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
