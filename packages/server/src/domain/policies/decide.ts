import type { CedarRequest, PartAnswer, PreparedSet, SetPart } from './engine.js'
import { evaluate } from './engine.js'

export type PolicyDecision = 'permit' | 'forbid' | 'none'

/** What one part of the set says about a whole petition (every petitioner × every target). */
export interface PartOutcome {
  decision: PolicyDecision
  /** The policies that determined it, sorted. */
  policies: string[]
}

/** What the set says about a petition. */
export interface PolicyOutcome {
  version: number
  /** Enforced: `permit` grants, `forbid` denies, `none` leaves the petition to the approval rules. */
  enforced: PartOutcome
  /** The shortest `@duration` among the permits that decided; undefined without one. */
  durationMs?: number
  /** The most approvals an `@approvals` policy asks for; undefined when none applies. */
  approvals?: { count: number; policies: string[] }
  /** What the shadow policies alone would have decided; undefined when the set has none. */
  shadow?: PartOutcome
  errors: { policyId: string; message: string }[]
}

/**
 * Combines the answers for every principal × resource: a forbid on any of them forbids (a forbid
 * always wins); a permit needs every one permitted; anything else is no decision.
 */
function combine(answers: PartAnswer[]): PartOutcome {
  const forbids = answers.filter((a) => a.decision === 'deny' && a.reasons.length > 0)
  if (forbids.length) return { decision: 'forbid', policies: unique(forbids.flatMap((a) => a.reasons)) }
  if (answers.length > 0 && answers.every((a) => a.decision === 'allow')) {
    return { decision: 'permit', policies: unique(answers.flatMap((a) => a.reasons)) }
  }
  return { decision: 'none', policies: [] }
}

const unique = (ids: string[]) => [...new Set(ids)].sort()

type Answers = Partial<Record<SetPart, PartAnswer>>[]

function run(set: PreparedSet, part: SetPart, answers: Answers): PartAnswer[] | undefined {
  if (!set.parts.has(part)) return undefined
  return answers.map((a) => a[part]).filter((a): a is PartAnswer => a !== undefined)
}

/** Evaluates the set on a petition's requests; pure but for the engine's cache. */
export function decideRequests(set: PreparedSet, requests: CedarRequest[]): PolicyOutcome {
  const answers = requests.map((r) => evaluate(set, r))
  const decided = run(set, 'decide', answers) ?? []
  const enforced = combine(decided)
  const errors = decided.flatMap((a) => a.errors)
  const outcome: PolicyOutcome = { version: set.version, enforced, errors }
  if (enforced.decision === 'permit') {
    const caps = enforced.policies
      .map((id) => set.byId.get(id)?.durationMs)
      .filter((ms): ms is number => ms !== undefined)
    if (caps.length) outcome.durationMs = Math.min(...caps)
  }
  const routed = run(set, 'route', answers)
  if (routed) {
    errors.push(...routed.flatMap((a) => a.errors))
    const ids = unique(routed.filter((a) => a.decision === 'allow').flatMap((a) => a.reasons))
    if (ids.length) {
      const count = Math.max(...ids.map((id) => set.byId.get(id)?.approvals ?? 1))
      outcome.approvals = { count, policies: ids }
    }
  }
  const shadow = run(set, 'shadow', answers)
  if (shadow) {
    errors.push(...shadow.flatMap((a) => a.errors))
    outcome.shadow = combine(shadow)
  }
  return outcome
}
