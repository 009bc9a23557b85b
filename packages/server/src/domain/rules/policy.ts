import type { EventResource, Role } from '@openindent/contract'
import { hasRole, type SpaceAccess } from '../auth/principal.js'
import { matchesSelector } from '../labels/match.js'
import { resourceName } from '../resources/types.js'
import type { Repositories } from '../unit-of-work.js'
import { compileRule, DEFAULT_RULE, DEFAULT_RULE_NAME, type RuleRecord } from './types.js'

/**
 * What governs a petition: every rule that one of its targets selects, combined strictly. A reviewer
 * must be allowed by all of them, the most approvals any asks for are needed, self-approval only if all
 * allow it, and the shortest durations apply. So bundling a closely guarded target with a loosely
 * guarded one never loosens the guard.
 */
export interface Policy {
  rules: RuleRecord[]
  minApprovals: number
  allowSelfApproval: boolean
  allowIndefinite: boolean
  reasonRequired: boolean
  defaultMs: number
  maxMs: number
}

export async function policyFor(
  store: Pick<Repositories, 'rules' | 'resources'>,
  spaceId: string,
  targets: EventResource[],
): Promise<Policy> {
  const rules = (await store.rules.all(spaceId)).map((r) => compileRule(r.name, r.spec, r))
  const fallback = compileRule(DEFAULT_RULE_NAME, DEFAULT_RULE, { createTime: 0, updateTime: 0 })
  const chosen = new Map<string, RuleRecord>()
  for (const target of targets) {
    const labels = await labelsOf(store, spaceId, target)
    const rule =
      rules.find(
        (r) =>
          (r.spec.selector.kind === undefined || r.spec.selector.kind === target.kind) &&
          matchesSelector(r.selector, labels),
      ) ?? fallback
    chosen.set(rule.name, rule)
  }
  const list = [...chosen.values()]
  return {
    rules: list,
    minApprovals: Math.max(...list.map((r) => r.spec.minApprovals)),
    allowSelfApproval: list.every((r) => r.spec.allowSelfApproval),
    allowIndefinite: list.every((r) => r.spec.allowIndefinite),
    reasonRequired: list.some((r) => r.spec.reasonRequired),
    defaultMs: Math.min(...list.map((r) => r.defaultMs)),
    maxMs: Math.min(...list.map((r) => r.maxMs)),
  }
}

/** A target's labels as stored (uploaded resources), else as the request gave them. */
async function labelsOf(
  store: Pick<Repositories, 'resources'>,
  spaceId: string,
  target: EventResource,
): Promise<Record<string, string>> {
  if (target.kind && target.id) {
    const stored = await store.resources.get(spaceId, resourceName(target.kind, target.id))
    if (stored) return stored.labels
  }
  return target.labels ?? {}
}

/** Whether the caller may review under every rule of the policy. */
export function mayReview(policy: Policy, access: SpaceAccess): boolean {
  const email = access.principal.type === 'user' ? access.principal.user.email : undefined
  return policy.rules.every((r) => {
    const users = (r.spec.approvers.users ?? []).map((u) => u.toLowerCase())
    if (email && users.includes(email)) return true
    const role: Role | undefined = r.spec.approvers.role
    return role !== undefined && hasRole(access.roles, role)
  })
}

/** Whether the caller is one of the petitioners (matched by email, or by id for non-users). */
export function isPetitioner(petitioners: EventResource[], access: SpaceAccess): boolean {
  const p = access.principal
  if (p.type === 'user') {
    const email = p.user.email
    return petitioners.some((r) => r.email?.toLowerCase() === email || (r.kind === 'user' && r.id === email))
  }
  if (p.type === 'serviceAccount') {
    return petitioners.some((r) => r.kind === access.actor.kind && r.id === access.actor.id)
  }
  return false
}
