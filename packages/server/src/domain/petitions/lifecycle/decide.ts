import { EVENT_NAMES, type Event, formatGoDuration, LABELS, parseGoDuration } from '@openindent/contract'
import type { StoredEvent } from '../../audit/ports.js'
import type { NewEvent } from '../../audit/types.js'
import type { SpaceAccess } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { denied, invalid, notFound } from '../../errors.js'
import { newId } from '../../ids.js'
import { isPetitioner, mayReview, type Policy, policyFor } from '../../rules/policy.js'
import type { UnitOfWork } from '../../unit-of-work.js'
import type { GrantRecord, PetitionRecord } from '../types.js'
import { durationLabels, revokeGrants } from './grants.js'
import { allows, notAllowed, stepLocked } from './table.js'

export interface DecisionInput {
  event: 'access/approve' | 'access/deny' | 'access/revoke'
  reason?: string | undefined
  labels?: Record<string, string> | undefined
}

/**
 * A reviewer's approve or deny, or a revoke by a reviewer or the petitioner: a claim on the petition.
 * Each runs in one transaction on the petition's locked row, so two reviewers deciding at once are
 * applied one after the other. Returns the claim as stored in the audit log.
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
    switch (claim.event) {
      case 'access/approve':
        return approve(tx, access, p, policy, claim, now)
      case 'access/deny':
        return deny(tx, access, p, policy, claim, now)
      case 'access/revoke':
        return revoke(tx, access, p, policy, claim, now)
    }
  })
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

/** The stored claim; every decision appends at least one event. */
function claimOf(stored: StoredEvent | undefined): Event {
  if (!stored) throw new Error('a decision appended no event')
  return stored.event
}

function reviewerKey(access: SpaceAccess): string {
  return `${access.actor.kind}/${access.actor.id}`
}

async function approve(
  tx: UnitOfWork,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: DecisionInput,
  now: number,
): Promise<Event> {
  requireReviewer(access, p, policy)
  if (!allows(p, 'grant')) throw notAllowed(p, 'grant')
  if (!policy.allowSelfApproval && isPetitioner(p.petitioners, access)) {
    throw denied('approving your own petition is not allowed here')
  }
  const ms = approvedDuration(claim.labels ?? {}, p, policy, now)
  const count = await tx.petitions.addApproval(p.spaceId, p.name, reviewerKey(access), ms, now)
  const labels = { ...claim.labels, ...durationLabels(ms, now) }
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessApprove, access, p, claim.reason, labels, now),
  ])
  tx.emit({ kind: 'petition', type: 'approved', spaceId: p.spaceId, petition: p.name, at: now })
  if (count >= policy.minApprovals) {
    await stepLocked(tx, p, 'grant', now, claim.reason)
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
  return claimOf(stored)
}

async function deny(
  tx: UnitOfWork,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: DecisionInput,
  now: number,
): Promise<Event> {
  requireReviewer(access, p, policy)
  await stepLocked(tx, p, 'deny', now, claim.reason)
  const [stored] = await tx.audit.append(p.spaceId, [
    claimEvent(EVENT_NAMES.accessDeny, access, p, claim.reason, claim.labels, now),
  ])
  return claimOf(stored)
}

async function revoke(
  tx: UnitOfWork,
  access: SpaceAccess,
  p: PetitionRecord,
  policy: Policy,
  claim: DecisionInput,
  now: number,
): Promise<Event> {
  if (!mayReview(policy, access) && !isPetitioner(p.petitioners, access)) {
    throw denied(`only a reviewer or the petitioner can revoke petition ${p.name}`)
  }
  if (!allows(p, 'revoke')) throw notAllowed(p, 'revoke')
  const events = await revokeGrants(tx, p, access.actor, claim.reason ?? 'revoked', now)
  await stepLocked(tx, p, 'revoke', now, claim.reason)
  return claimOf(events[0])
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
