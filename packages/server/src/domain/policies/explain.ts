import type { EventResource } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { evaluateForPetition } from '../petitions/lifecycle/policy.js'
import { policyFor } from '../rules/policy.js'
import type { PolicyOutcome } from './decide.js'

export interface EvaluateInput {
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string | undefined
  durationMs?: number | undefined
  /** When the request would be made; now unless given. */
  at?: number | undefined
}

/** What the space would do with a request, without making it. */
export interface Explanation {
  outcome: PolicyOutcome
  /** The approval rules that would route it to people, and the approvals they would need. */
  rules: string[]
  minApprovals: number
  /** The grant a permit would make, in ms. */
  grantMs: number
}

/**
 * Evaluates a hypothetical request against the space's saved policies and approval rules, exactly as
 * petition creation would (stored labels, member roles, open petitions, grants), and writes nothing.
 */
export async function explainRequest(
  ctx: Ctx,
  access: SpaceAccess,
  input: EvaluateInput,
): Promise<Explanation> {
  requireRole(access, 'viewer')
  const spaceId = access.space.id
  const rules = await policyFor(ctx.store, spaceId, input.resources)
  const at = input.at ?? ctx.clock.now()
  const request = {
    petitioners: input.petitioners,
    resources: input.resources,
    reason: input.reason?.trim(),
    durationMs: input.durationMs,
  }
  const outcome = (await evaluateForPetition(ctx.store, spaceId, request, rules, at)) ?? {
    version: (await ctx.store.policies.info(spaceId)).version,
    enforced: { decision: 'none', policies: [] },
    errors: [],
  }
  const wanted = Math.min(input.durationMs ?? rules.defaultMs, rules.maxMs)
  return {
    outcome,
    rules: rules.rules.map((r) => r.name),
    minApprovals: Math.max(rules.minApprovals, outcome.approvals?.count ?? 0),
    grantMs: Math.min(wanted, outcome.durationMs ?? wanted),
  }
}
