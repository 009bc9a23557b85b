import type { SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { PagePolicies } from './page-policies.js'
import { listPetitions } from './queries.js'
import { allowedActions, approversOf } from './review.js'
import type { GrantRecord, PetitionRecord } from './types.js'

export interface LiveGrant {
  grant: GrantRecord
  petition: PetitionRecord
  /** Whether the caller may end it early (a reviewer, a petitioner or the filer). */
  mayRevoke: boolean
}

/** Granted petitions read for one answer; a space with more live grants shows the first this many. */
const PETITIONS_MAX = 500

/**
 * Live grants the caller can see (all of them for petition admins, their own otherwise), soonest to
 * expire first and those until revoked last, filtered by petitioner and target as the list API is.
 */
export async function liveGrants(
  ctx: Ctx,
  access: SpaceAccess,
  q: { petitioner?: string | undefined; resource?: string | undefined },
): Promise<{ grants: LiveGrant[]; truncated: boolean }> {
  const now = ctx.clock.now()
  const policies = new PagePolicies(ctx.store, access.space.id)
  const out: LiveGrant[] = []
  let pageToken: string | undefined
  let read = 0
  do {
    const page = await listPetitions(ctx, access, {
      phase: 'granted',
      petitioner: q.petitioner,
      resource: q.resource,
      pageSize: 100,
      pageToken,
    })
    await policies.load(page.items.map((d) => d.petition))
    for (const d of page.items) {
      const actions = allowedActions(d.petition, policies.policyOf(d.petition), access, approversOf(d))
      for (const grant of d.grants) {
        if (grant.revokeTime || (grant.expireTime !== undefined && grant.expireTime <= now)) continue
        out.push({ grant, petition: d.petition, mayRevoke: actions.revoke })
      }
    }
    read += page.items.length
    pageToken = page.nextPageToken
  } while (pageToken && read < PETITIONS_MAX)
  out.sort((a, b) => (a.grant.expireTime ?? Infinity) - (b.grant.expireTime ?? Infinity))
  return { grants: out, truncated: pageToken !== undefined }
}
