import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { decodePageToken, encodePageToken } from '../pagination.js'
import { withDetails } from './queries.js'
import { allowedActions, approversOf, type PetitionReview, policyCache } from './review.js'
import type { PetitionRecord } from './types.js'

const BATCH = 100
/** Open petitions looked at for one page: bounds the work when few of many are the caller's to decide. */
const SCAN_MAX = 2000

const isCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string'

/**
 * Open petitions the caller may decide now (approve or deny), newest first: reviewers under every
 * rule the petition's targets pick, not its petitioners or filer unless the rules allow it, and not
 * those they approved already. Keyset paging on (create time, name), like the API's list.
 */
export async function inbox(
  ctx: Ctx,
  access: SpaceAccess,
  opts: { pageSize: number; pageToken?: string | undefined },
): Promise<{ items: PetitionReview[]; nextPageToken?: string }> {
  requireRole(access, 'viewer')
  const start = decodePageToken(opts.pageToken, isCursor)
  let after = start && { time: start[0], name: start[1] }
  const policyOf = policyCache(ctx)
  const items: PetitionReview[] = []
  let scanned = 0
  let last: PetitionRecord | undefined
  for (;;) {
    const rows = await ctx.store.petitions.list(access.space.id, {
      phase: 'open',
      after,
      ascending: false,
      limit: BATCH,
    })
    for (const d of await withDetails(ctx, rows)) {
      last = d.petition
      const policy = await policyOf(d.petition)
      const approvedBy = approversOf(d)
      const actions = allowedActions(d.petition, policy, access, approvedBy)
      if (actions.approve || actions.deny) items.push({ ...d, policy, approvedBy, actions })
      if (items.length === opts.pageSize) break
    }
    scanned += rows.length
    if (items.length === opts.pageSize || rows.length < BATCH || scanned >= SCAN_MAX || !last) break
    after = { time: last.createTime, name: last.name }
  }
  if (last && (items.length === opts.pageSize || scanned >= SCAN_MAX)) {
    return { items, nextPageToken: encodePageToken([last.createTime, last.name]) }
  }
  return { items }
}
