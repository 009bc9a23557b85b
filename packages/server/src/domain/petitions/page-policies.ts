import type { ResourceRepository } from '../resources/ports.js'
import { type ResourceSummary, targetResourceName } from '../resources/types.js'
import { choosePolicy, compiledRules, type Policy } from '../rules/policy.js'
import type { RuleRepository } from '../rules/ports.js'
import type { RuleRecord } from '../rules/types.js'
import { type PetitionRecord, targetKey } from './types.js'

type Reads = {
  rules: Pick<RuleRepository, 'all'>
  resources: Pick<ResourceRepository, 'summaries'>
}

/**
 * The policies of a page of petitions, as policyFor computes them one by one, from the space's rules
 * read once and the targets' resources read in one query per batch of petitions. Then each policy is
 * worked out without a read or a promise: a page asked policyFor 25 times, which read the same rules
 * 25 times, compiled them 25 times and awaited each target, and that cost more than the page's queries.
 */
export class PagePolicies {
  private rules: Promise<RuleRecord[]> | undefined
  private compiled: RuleRecord[] | undefined
  /** By resource name; undefined for a target never uploaded. */
  private readonly resources = new Map<string, ResourceSummary | undefined>()
  /** By the petition's targets: petitions for the same targets share a policy. */
  private readonly policies = new Map<string, Policy>()

  constructor(
    private readonly store: Reads,
    private readonly spaceId: string,
  ) {}

  /** Starts reading the rules now, beside whatever the caller reads next. */
  prepare(): void {
    this.rules ??= this.store.rules.all(this.spaceId).then(compiledRules)
    // Awaited in load; this keeps an early failure from being reported as unhandled meanwhile.
    this.rules.catch(() => undefined)
  }

  /** Reads what the policies of these petitions need and was not read yet. */
  async load(petitions: readonly PetitionRecord[]): Promise<void> {
    this.prepare()
    const names = new Set<string>()
    for (const p of petitions) {
      for (const t of p.resources) {
        const name = targetResourceName(t)
        if (name !== undefined && !this.resources.has(name)) names.add(name)
      }
    }
    const [rules, found] = await Promise.all([
      this.rules,
      names.size ? this.store.resources.summaries(this.spaceId, [...names]) : [],
    ])
    this.compiled = rules
    for (const name of names) this.resources.set(name, undefined)
    for (const r of found) this.resources.set(r.name, r)
  }

  /** The policy of a petition passed to `load`. */
  policyOf(p: PetitionRecord): Policy {
    const rules = this.compiled
    if (!rules) throw new Error('PagePolicies.policyOf before load')
    const key = p.resources.map(targetKey).sort().join('\u0000')
    let policy = this.policies.get(key)
    if (!policy) {
      const labels = p.resources.map((t) => this.uploaded(t)?.labels)
      policy = choosePolicy(rules, p.resources, labels)
      this.policies.set(key, policy)
    }
    return policy
  }

  /** The uploaded record of each target of these (loaded) petitions, by target key. */
  targets(petitions: readonly PetitionRecord[]): Map<string, ResourceSummary> {
    const out = new Map<string, ResourceSummary>()
    for (const p of petitions) {
      for (const t of p.resources) {
        const r = this.uploaded(t)
        if (r) out.set(targetKey(t), r)
      }
    }
    return out
  }

  private uploaded(t: PetitionRecord['resources'][number]): ResourceSummary | undefined {
    const name = targetResourceName(t)
    return name === undefined ? undefined : this.resources.get(name)
  }
}
