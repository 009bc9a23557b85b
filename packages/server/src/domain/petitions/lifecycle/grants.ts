import { EVENT_NAMES, type EventResource, formatGoDuration, LABELS } from '@openindent/contract'
import type { NewEvent } from '../../audit/types.js'
import { newId } from '../../ids.js'
import type { UnitOfWork } from '../../unit-of-work.js'
import type { GrantRecord, PetitionRecord } from '../types.js'

/** Indent's duration labels for an approval or grant; `null` is until revoked. */
export function durationLabels(ms: number | null, now: number): Record<string, string> {
  if (ms === null) return { [LABELS.indefinite]: 'true', [LABELS.duration]: '-1ns' }
  return { [LABELS.duration]: formatGoDuration(ms), [LABELS.expires]: new Date(now + ms).toISOString() }
}

/** Grants every petitioner every target for `ms` (null: until revoked), with an `access/grant` event each. */
export async function grantAll(
  tx: UnitOfWork,
  p: PetitionRecord,
  actor: EventResource,
  ms: number | null,
  now: number,
): Promise<void> {
  await tx.audit.append(p.spaceId, (await insertGrants(tx, p, actor, ms, now)).events)
}

/** Inserts the grants of `grantAll` and returns them with their `access/grant` events, for the caller to append. */
export async function insertGrants(
  tx: UnitOfWork,
  p: PetitionRecord,
  actor: EventResource,
  ms: number | null,
  now: number,
): Promise<{ grants: GrantRecord[]; events: NewEvent[] }> {
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
  const labels = durationLabels(ms, now)
  const events = grants.map(
    (g): NewEvent => ({
      event: EVENT_NAMES.accessGrant,
      actor,
      resources: [g.petitioner, g.resource],
      timestamp: now,
      petition: p.name,
      labels: { ...labels },
    }),
  )
  return { grants, events }
}

/** Revokes a petition's live grants, with an `access/revoke` event for each. */
export async function revokeGrants(
  tx: UnitOfWork,
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
