import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { decodePageToken, encodePageToken } from '../pagination.js'
import { readsOnce } from '../reads-once.js'
import { describeTargets } from '../resources/describe.js'
import type { ResourceRecord } from '../resources/types.js'
import { withDetails } from './queries.js'
import { allowedActions, approversOf, type PetitionReview, policyCache } from './review.js'
import type { PetitionRecord } from './types.js'

const BATCH = 100
/** Open petitions looked at for one page: bounds the work when few of many are the caller's to decide. */
const SCAN_MAX = 2000

const isCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string'

/**
 * Open petitions the caller may approve now, newest first: reviewers under every rule the petition's
 * targets pick, not its petitioners or filer unless the rules allow it, and not those they approved
 * already (a reviewer may still deny those on the petition's page). Keyset paging on (create time, name), like the API's list.
 */
export async function inbox(
  ctx: Ctx,
  access: SpaceAccess,
  opts: { pageSize: number; pageToken?: string | undefined },
): Promise<{ items: PetitionReview[]; nextPageToken?: string; targets: Map<string, ResourceRecord> }> {
  requireRole(access, 'viewer')
  const start = decodePageToken(opts.pageToken, isCursor)
  let after = start && { time: start[0], name: start[1] }
  const reads = readsOnce(ctx.store)
  const policyOf = policyCache(reads)
  const items: PetitionReview[] = []
  let scanned = 0
  let last: PetitionRecord | undefined
  for (;;) {
    const rows = await ctx.store.petitions.list(access.space.id, {
      phase: 'open',
      after,
      ascending: false,
      // Most pages fill from the first rows: read no more than a page until some turn out not ours.
      limit: scanned === 0 ? opts.pageSize : BATCH,
    })
    await reads.prefetch(
      access.space.id,
      rows.flatMap((r) => r.resources),
    )
    for (const d of await withDetails(ctx, rows)) {
      last = d.petition
      const policy = await policyOf(d.petition)
      const approvedBy = approversOf(d)
      const actions = allowedActions(d.petition, policy, access, approvedBy)
      // Approvable, not merely deniable: a reviewer's own request or one they approved already waits for others.
      if (actions.approve) items.push({ ...d, policy, approvedBy, actions })
      if (items.length === opts.pageSize) break
    }
    const asked = scanned === 0 ? opts.pageSize : BATCH
    scanned += rows.length
    if (items.length === opts.pageSize || rows.length < asked || scanned >= SCAN_MAX || !last) break
    after = { time: last.createTime, name: last.name }
  }
  const targets = await describeTargets(
    reads,
    access.space.id,
    items.flatMap((i) => i.petition.resources),
  )
  if (last && (items.length === opts.pageSize || scanned >= SCAN_MAX)) {
    return { items, targets, nextPageToken: encodePageToken([last.createTime, last.name]) }
  }
  return { items, targets }
}
