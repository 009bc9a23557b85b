import { hasRole } from '../auth/principal.js'
import { identityOf } from '../identity.js'
import type { PetitionRecord } from '../petitions/types.js'
import { policyFor } from '../rules/policy.js'
import type { Repositories } from '../unit-of-work.js'

/** Most reviewers one new request is mailed to. */
const MAX_REVIEWERS = 50

/**
 * The people who may approve `p` under every rule that applies (named by email, or members holding
 * the rule's role), less its petitioners and its filer, who may not approve it: four eyes.
 */
export async function reviewerEmails(tx: Repositories, p: PetitionRecord): Promise<string[]> {
  const policy = await policyFor(tx, p.spaceId, p.resources)
  const candidates = new Map<string, readonly string[]>()
  for (const m of await tx.principals.listMembers(p.spaceId, { limit: 1000 })) {
    candidates.set(m.user.email, m.roles)
  }
  for (const r of policy.rules) {
    for (const u of r.spec.approvers.users ?? []) {
      const email = u.trim().toLowerCase()
      if (!candidates.has(email)) candidates.set(email, [])
    }
  }
  const excluded = new Set([...p.petitioners.map(identityOf), ...(p.filer ? [p.filer] : [])])
  const reviewers = [...candidates].filter(
    ([email, roles]) =>
      !excluded.has(`user/${email}`) &&
      policy.rules.every((r) => {
        const { users, role } = r.spec.approvers
        if ((users ?? []).some((u) => u.trim().toLowerCase() === email)) return true
        return role !== undefined && hasRole(roles as Parameters<typeof hasRole>[0], role)
      }),
  )
  return reviewers
    .map(([email]) => email)
    .sort()
    .slice(0, MAX_REVIEWERS)
}

/** The petitioners who have an email address to be told at. */
export function requesterEmails(p: PetitionRecord): string[] {
  return [...new Set(p.petitioners.flatMap((r) => (r.email ? [r.email.toLowerCase()] : [])))]
}
