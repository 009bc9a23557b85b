import { EVENT_NAMES, type EventResource } from '@openindent/contract'
import type { StoredEvent } from '../../audit/ports.js'
import type { NewEvent } from '../../audit/types.js'
import { POLICY_EVENTS } from '../../policies/crud.js'
import type { PartOutcome, PolicyOutcome } from '../../policies/decide.js'
import { decideRequests } from '../../policies/decide.js'
import { preparedFor } from '../../policies/engine.js'
import { gatherRequests, requesterOf } from '../../policies/gather.js'
import type { PolicyInputs } from '../../policies/ports.js'
import type { Policy } from '../../rules/policy.js'
import type { Repositories, UnitOfWork } from '../../unit-of-work.js'
import type { GrantRecord, PetitionRecord } from '../types.js'
import { durationLabels, insertGrants } from './grants.js'
import { decided, step, TRANSITIONS } from './table.js'

/** Who decides when a policy does: the audit log's actor for every policy decision. */
export const POLICY_ACTOR: EventResource = { kind: 'policy', id: 'policy', displayName: 'Cedar policy' }

/** Labels that name the deciding policies and the set version on a policy's audit event. */
export const POLICY_LABELS = {
  policies: 'openindent.dev/policies',
  version: 'openindent.dev/policy-set-version',
  decision: 'openindent.dev/policy-decision',
  /** On a petition: the approvals an `@approvals` policy asks for (see decide.ts, `requiredApprovals`). */
  approvals: 'openindent.dev/policy-approvals',
} as const

/**
 * The space's policies on a request; undefined when the space has none. One statement reads the set's
 * version and the petitioners' facts; the targets' labels are those the rules were chosen by (read once
 * for both). The set itself is read and parsed only when its version is new to this process.
 */
export async function evaluateForPetition(
  store: Pick<Repositories, 'policies'>,
  spaceId: string,
  p: Pick<PetitionRecord, 'petitioners' | 'resources' | 'reason' | 'durationMs'>,
  rules: Policy,
  at: number,
  openPetition = false,
): Promise<PolicyOutcome | undefined> {
  const inputs = await readPolicyInputs(store, spaceId, p.petitioners, at)
  return evaluateWithInputs(store, spaceId, inputs, p, rules, at, openPetition)
}

/** The one read an evaluation needs (see `evaluateWithInputs`): start it beside the request's others. */
export function readPolicyInputs(
  store: Pick<Repositories, 'policies'>,
  spaceId: string,
  petitioners: readonly EventResource[],
  at: number,
): Promise<PolicyInputs> {
  return store.policies.inputs(spaceId, petitioners.map(requesterOf), at)
}

/** `evaluateForPetition` with its read done; `at` must be the time the inputs were read for. */
export async function evaluateWithInputs(
  store: Pick<Repositories, 'policies'>,
  spaceId: string,
  inputs: PolicyInputs,
  p: Pick<PetitionRecord, 'petitioners' | 'resources' | 'reason' | 'durationMs'>,
  rules: Policy,
  at: number,
  openPetition = false,
): Promise<PolicyOutcome | undefined> {
  if (!inputs.facts) return undefined
  const set = await preparedFor(store, spaceId, inputs.info)
  if (set.parts.size === 0) return undefined
  const question = {
    petitioners: p.petitioners,
    resources: p.resources,
    reason: p.reason,
    durationMs: p.durationMs ?? rules.defaultMs,
    at,
    openPetition,
  }
  return decideRequests(set, gatherRequests(set, question, inputs.facts, rules.targetLabels))
}

/** The approvals a petition needs: its rules', or more when an `@approvals` policy asked for more. */
export function requiredApprovals(petitionLabels: Record<string, string>, rules: Policy): number {
  const asked = Number(petitionLabels[POLICY_LABELS.approvals] ?? 0)
  return Math.max(rules.minApprovals, Number.isInteger(asked) ? asked : 0)
}

function policyEvent(
  event: string,
  p: PetitionRecord,
  part: PartOutcome,
  version: number,
  now: number,
  extra: Record<string, string> = {},
  reason?: string,
): NewEvent {
  return {
    event,
    actor: POLICY_ACTOR,
    resources: [
      ...p.petitioners,
      ...p.resources,
      ...part.policies.map((id) => ({ kind: 'openindent.v1.Policy', id })),
    ],
    ...(reason ? { reason } : {}),
    timestamp: now,
    petition: p.name,
    labels: {
      [POLICY_LABELS.policies]: part.policies.join(','),
      [POLICY_LABELS.version]: String(version),
      [POLICY_LABELS.decision]: part.decision,
      ...extra,
    },
  }
}

/** What the policies decided for a petition, before anything is written. */
interface Verdict {
  /** The step the decision takes; none when the policies leave the petition to people. */
  step?: 'grant' | 'deny'
  reason?: string
  /** A grant's duration, capped by `@duration` and the rules' maximum. */
  ms?: number
  /** The policies' audit events (shadow, then deny or approve), without the grants'. */
  events: NewEvent[]
}

function verdictOf(p: PetitionRecord, outcome: PolicyOutcome, rules: Policy, now: number): Verdict {
  const events: NewEvent[] = []
  if (outcome.shadow && outcome.shadow.decision !== 'none') {
    events.push(
      policyEvent(POLICY_EVENTS.shadow, p, outcome.shadow, outcome.version, now, {
        'openindent.dev/policy-mode': 'shadow',
      }),
    )
  }
  const { enforced } = outcome
  if (enforced.decision === 'forbid') {
    const reason = `denied by policy ${enforced.policies.join(', ')}`
    events.push(policyEvent(EVENT_NAMES.accessDeny, p, enforced, outcome.version, now, {}, reason))
    return { step: 'deny', reason, events }
  }
  if (enforced.decision === 'permit') {
    const wanted = Math.min(p.durationMs ?? rules.defaultMs, rules.maxMs)
    const ms = Math.min(wanted, outcome.durationMs ?? wanted)
    const reason = `approved by policy ${enforced.policies.join(', ')}`
    const labels = durationLabels(ms, now)
    events.push(policyEvent(EVENT_NAMES.accessApprove, p, enforced, outcome.version, now, labels, reason))
    return { step: 'grant', reason, ms, events }
  }
  return { events }
}

/**
 * Applies the policies' decision to an open petition in the caller's transaction: a forbid denies it,
 * a permit grants it (for the requested or default duration, capped by `@duration` and the rules'
 * maximum), each with an audit event by the actor `policy` naming the deciding policies. What shadow
 * policies would have done is logged and nothing more. Returns the petition as it now stands.
 */
export async function applyPolicyOutcome(
  tx: UnitOfWork,
  p: PetitionRecord,
  outcome: PolicyOutcome,
  rules: Policy,
  now: number,
): Promise<PetitionRecord> {
  const v = verdictOf(p, outcome, rules, now)
  // A shadow event alone is written even when the petition moved meanwhile, as it always was.
  const events = v.events.filter((e) => e.event === POLICY_EVENTS.shadow)
  let result = p
  const updated = v.step && (await step(tx, p, v.step, now, v.reason))
  if (updated) {
    events.push(...v.events.filter((e) => e.event !== POLICY_EVENTS.shadow))
    if (v.step === 'grant')
      events.push(...(await insertGrants(tx, p, POLICY_ACTOR, v.ms ?? null, now)).events)
    result = updated
  }
  if (events.length) await tx.audit.append(p.spaceId, events)
  return result
}

/** A petition just stored by the transaction that opened it: its whole history and its grants. */
export interface Created {
  petition: PetitionRecord
  history: StoredEvent[]
  grants: GrantRecord[]
}

/**
 * Stores a new petition as the policies left it, in the caller's transaction: open when they decided
 * nothing, or already granted or denied (undefined when an identical request is held already: open,
 * or granted by a petition stored first while this one was being decided), with
 * one insert and the audit events (`requested`, the request's own, first) appended once. The events,
 * the domain events and the stored rows are those of opening it and then applying the outcome.
 */
export async function insertWithOutcome(
  tx: UnitOfWork,
  p: PetitionRecord,
  outcome: PolicyOutcome | undefined,
  rules: Policy,
  now: number,
  requested: NewEvent[],
): Promise<Created | undefined> {
  const v = outcome ? verdictOf(p, outcome, rules, now) : { events: [] }
  let petition = p
  let grants: GrantRecord[] = []
  const events = [...requested, ...v.events]
  if (v.step) {
    petition = decided(p, v.step, now, v.reason)
    if (!(await tx.petitions.insertDecided(petition))) return undefined
    tx.emit({ kind: 'petition', type: 'opened', spaceId: p.spaceId, petition: p.name, at: now })
    tx.emit({
      kind: 'petition',
      type: TRANSITIONS[v.step].event,
      spaceId: p.spaceId,
      petition: p.name,
      at: now,
    })
    if (v.step === 'grant') {
      const made = await insertGrants(tx, p, POLICY_ACTOR, v.ms ?? null, now)
      events.push(...made.events)
      grants = made.grants
    }
  } else {
    if (!(await tx.petitions.insertOpen(p))) return undefined
    tx.emit({ kind: 'petition', type: 'opened', spaceId: p.spaceId, petition: p.name, at: now })
  }
  const history = await tx.audit.append(p.spaceId, events)
  return { petition, history, grants }
}
