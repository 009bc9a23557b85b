import type { Phase } from '@openindent/contract'
import { DomainError } from '../../errors.js'
import type { PetitionEventType } from '../../events.js'
import type { UnitOfWork } from '../../unit-of-work.js'
import type { Outcome, PetitionRecord } from '../types.js'

/** A change of phase. Approvals short of the quorum change no phase and are not transitions. */
export type Transition = 'grant' | 'deny' | 'cancel' | 'revoke' | 'expire' | 'close'

interface Step {
  from: readonly Phase[]
  to: Phase
  /** How the petition ended. */
  outcome: Outcome
  event: PetitionEventType
  /** For messages: "only open petitions can be <verb>". */
  verb: string
}

/**
 * Every phase a petition can move through, in one table. `open` is where every petition starts (see
 * open.ts); `closed` is where every one ends, as in Indent: a revoked or expired grant closes its
 * petition (Indent's `revoked` phase is passed through at once), and the outcome says why.
 */
export const TRANSITIONS: Record<Transition, Step> = {
  grant: { from: ['open'], to: 'granted', outcome: 'approved', event: 'granted', verb: 'approved' },
  deny: { from: ['open'], to: 'closed', outcome: 'denied', event: 'denied', verb: 'denied' },
  cancel: { from: ['open'], to: 'closed', outcome: 'cancelled', event: 'cancelled', verb: 'cancelled' },
  revoke: { from: ['granted'], to: 'closed', outcome: 'revoked', event: 'revoked', verb: 'revoked' },
  expire: { from: ['granted'], to: 'closed', outcome: 'expired', event: 'expired', verb: 'expired' },
  close: { from: ['granted'], to: 'closed', outcome: 'revoked', event: 'closed', verb: 'closed' },
}

/** The 409 for a step the petition's phase does not allow. */
export function notAllowed(p: PetitionRecord, t: Transition): DomainError {
  const step = TRANSITIONS[t]
  return new DomainError(
    'CONFLICT',
    `petition ${p.name} is ${p.phase}${p.outcome && p.phase === 'closed' ? ` (${p.outcome})` : ''}; only ${step.from.join(' or ')} petitions can be ${step.verb}`,
  )
}

/** Whether the petition's phase allows the step. */
export const allows = (p: PetitionRecord, t: Transition): boolean => TRANSITIONS[t].from.includes(p.phase)

/**
 * Moves the petition one step in a single conditional update and queues the step's event. Undefined
 * when the petition was no longer in a phase the step starts from (another instance moved it first).
 */
export async function step(
  tx: UnitOfWork,
  p: Pick<PetitionRecord, 'spaceId' | 'name'>,
  t: Transition,
  now: number,
  reason?: string | undefined,
): Promise<PetitionRecord | undefined> {
  const s = TRANSITIONS[t]
  const updated = await tx.petitions.transition(p.spaceId, p.name, s.from, s.to, now, {
    outcome: s.outcome,
    reason,
  })
  if (updated) tx.emit({ kind: 'petition', type: s.event, spaceId: p.spaceId, petition: p.name, at: now })
  return updated
}

/**
 * A petition not yet stored, as `step` would leave it once stored open: for one decided before its
 * insert (see `insertWithOutcome`), so it is written once, in its final phase.
 */
export function decided(p: PetitionRecord, t: Transition, now: number, reason?: string): PetitionRecord {
  const s = TRANSITIONS[t]
  if (!s.from.includes(p.phase)) throw notAllowed(p, t)
  return {
    ...p,
    phase: s.to,
    updateTime: now,
    decideTime: now,
    outcome: s.outcome,
    ...(reason !== undefined ? { decideReason: reason } : {}),
  }
}

/** `step` on a petition locked in this transaction: its phase was checked, so the step must apply. */
export async function stepLocked(
  tx: UnitOfWork,
  p: PetitionRecord,
  t: Transition,
  now: number,
  reason?: string | undefined,
): Promise<PetitionRecord> {
  if (!allows(p, t)) throw notAllowed(p, t)
  const updated = await step(tx, p, t, now, reason)
  if (!updated) throw notAllowed(p, t)
  return updated
}

/**
 * `step` for many petitions of one space in one set-based update (thousands of grants can expire in
 * the same second); queues the step's event for each petition that moved, in the order given.
 */
export async function stepMany(
  tx: UnitOfWork,
  spaceId: string,
  names: readonly string[],
  t: Transition,
  now: number,
  reason?: string | undefined,
): Promise<string[]> {
  if (names.length === 0) return []
  const s = TRANSITIONS[t]
  const moved = new Set(
    await tx.petitions.transitionMany(spaceId, names, s.from, s.to, now, { outcome: s.outcome, reason }),
  )
  const ordered = names.filter((name) => moved.has(name))
  for (const petition of ordered) tx.emit({ kind: 'petition', type: s.event, spaceId, petition, at: now })
  return ordered
}
