import { EVENT_NAMES, type EventResource, formatGoDuration, LABELS } from '@openindent/contract'
import type { NewEvent } from '../../audit/types.js'
import type { UnitOfWork } from '../../unit-of-work.js'
import type { GrantRecord, PetitionRecord } from '../types.js'

/** Indent's duration labels for an approval or grant; `null` is until revoked. */
export function durationLabels(ms: number | null, now: number): Record<string, string> {
  if (ms === null) return { [LABELS.indefinite]: 'true', [LABELS.duration]: '-1ns' }
  return { [LABELS.duration]: formatGoDuration(ms), [LABELS.expires]: new Date(now + ms).toISOString() }
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
