import type { EventResource } from '@openindent/contract'
import { hasRole, type SpaceAccess } from '../auth/principal.js'
import { callerIdentity, identityOf } from '../identity.js'
import { matchesSelector } from '../labels/match.js'
import type { PetitionRecord } from '../petitions/types.js'
import { targetResourceName } from '../resources/types.js'
import type { Repositories } from '../unit-of-work.js'
import type { StoredRule } from './ports.js'
import { compileRule, DEFAULT_RULE, DEFAULT_RULE_NAME, type RuleRecord } from './types.js'

/**
 * What governs a petition: every rule that one of its targets selects, combined strictly. A reviewer
 * must be allowed by all of them, the most approvals any asks for are needed, self-approval only if all
 * allow it, and the shortest durations apply. So bundling a closely guarded target with a loosely
 * guarded one never loosens the guard.
 */
export interface Policy {
  rules: RuleRecord[]
  /** Indexes of the targets that were never uploaded. */
  unknownTargets: number[]
  /** Each target's stored labels, in order (undefined: never uploaded), as the rules were chosen by. */
  targetLabels: (Record<string, string> | undefined)[]
  minApprovals: number
  allowSelfApproval: boolean
  allowIndefinite: boolean
  reasonRequired: boolean
  defaultMs: number
  maxMs: number
}

/** The reads a policy needs (a page of petitions reads them in bulk instead: see PagePolicies). */
export interface PolicyReads {
  rules: Pick<Repositories['rules'], 'all'>
  resources: Pick<Repositories['resources'], 'get'>
}

const FALLBACK = compileRule(DEFAULT_RULE_NAME, DEFAULT_RULE, { createTime: 0, updateTime: 0 })

// A page of petitions reads the rules once and gets the same list for every petition: compiled once
// per list read, not once per petition.
const compiledLists = new WeakMap<readonly StoredRule[], RuleRecord[]>()

/** A space's stored rules, compiled (once per list read). */
export function compiledRules(stored: readonly StoredRule[]): RuleRecord[] {
  let rules = compiledLists.get(stored)
  if (!rules) {
    rules = stored.map((r) => compileRule(r.name, r.spec, r))
    compiledLists.set(stored, rules)
  }
  return rules
}

export async function policyFor(
  store: PolicyReads,
  spaceId: string,
  targets: EventResource[],
): Promise<Policy> {
  const rules = compiledRules(await store.rules.all(spaceId))
  const labels: (Record<string, string> | undefined)[] = []
  for (const target of targets) labels.push(await storedLabels(store, spaceId, target))
  return choosePolicy(rules, targets, labels)
}

/**
 * The policy of targets whose stored labels are known (`labels[i]` for `targets[i]`, undefined for a
 * target never uploaded): what policyFor answers, without a read, for a page that read them in bulk.
 */
export function choosePolicy(
  rules: readonly RuleRecord[],
  targets: readonly EventResource[],
  labels: readonly (Record<string, string> | undefined)[],
): Policy {
  const chosen = new Map<string, RuleRecord>()
  const unknown: number[] = []
  const targetLabels: (Record<string, string> | undefined)[] = []
  for (const [i, target] of targets.entries()) {
    const stored = labels[i]
    targetLabels.push(stored)
    if (stored === undefined) unknown.push(i)
    const rule =
      rules.find(
        (r) =>
          (r.spec.selector.kind === undefined || r.spec.selector.kind === target.kind) &&
          // A target never uploaded has no labels to trust: only rules without a label selector match it.
          (stored === undefined ? r.selector.length === 0 : matchesSelector(r.selector, stored)),
      ) ?? FALLBACK
    chosen.set(rule.name, rule)
  }
  const list = [...chosen.values()]
  return {
    rules: list,
    unknownTargets: unknown,
    targetLabels,
    minApprovals: Math.max(...list.map((r) => r.spec.minApprovals)),
    allowSelfApproval: list.every((r) => r.spec.allowSelfApproval),
    allowIndefinite: list.every((r) => r.spec.allowIndefinite),
    reasonRequired: list.some((r) => r.spec.reasonRequired),
    defaultMs: Math.min(...list.map((r) => r.defaultMs)),
    maxMs: Math.min(...list.map((r) => r.maxMs)),
  }
}

/**
 * A target's labels as uploaded, never as a petitioner sent them (a petitioner could otherwise pick a
 * lenient rule); undefined when the target was never uploaded.
 */
async function storedLabels(
  store: Pick<PolicyReads, 'resources'>,
  spaceId: string,
  target: EventResource,
): Promise<Record<string, string> | undefined> {
  const name = targetResourceName(target)
  return name === undefined ? undefined : (await store.resources.get(spaceId, name))?.labels
}

/**
 * Whether the caller may review under every rule of the policy: a user named by email or holding the
 * rule's role; a service account only where a rule names it (its roles never make it a reviewer, so
 * one person cannot meet a quorum with accounts they created).
 */
export function mayReview(policy: Policy, access: SpaceAccess): boolean {
  const p = access.principal
  return policy.rules.every((r) => {
    const { users, serviceAccounts, role } = r.spec.approvers
    if (p.type === 'serviceAccount') return (serviceAccounts ?? []).includes(p.token.serviceAccount.name)
    if (p.type === 'user' && (users ?? []).some((u) => u.trim().toLowerCase() === p.user.email)) return true
    return role !== undefined && hasRole(access.roles, role)
  })
}

/** Whether the caller is one of the petitioners or filed the petition. */
export function isPetitionerOrFiler(
  p: Pick<PetitionRecord, 'petitioners' | 'filer'>,
  access: SpaceAccess,
): boolean {
  const me = callerIdentity(access)
  return p.filer === me || p.petitioners.some((r) => identityOf(r) === me)
}
