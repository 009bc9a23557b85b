import { EVENT_NAMES } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { identityOf } from '../identity.js'
import { decodePageToken, encodePageToken } from '../pagination.js'
import type { ResourceSummary } from '../resources/types.js'
import type { Policy } from '../rules/policy.js'
import { PagePolicies } from './page-policies.js'
import { type AllowedActions, allowedActions } from './review.js'
import type { PetitionRecord } from './types.js'

const BATCH = 100
/** Open petitions looked at for one page: bounds the work when few of many are the caller's to decide. */
const SCAN_MAX = 2000

/** A petition as the inbox shows it: what a card needs, without the history a petition's page reads. */
export interface InboxItem {
  petition: PetitionRecord
  policy: Policy
  /** Identities of the people who approved so far (once each). */
  approvedBy: string[]
  actions: AllowedActions
}

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
): Promise<{ items: InboxItem[]; nextPageToken?: string; targets: Map<string, ResourceSummary> }> {
  requireRole(access, 'viewer')
  const start = decodePageToken(opts.pageToken, isCursor)
  let after = start && { time: start[0], name: start[1] }
  const policies = new PagePolicies(ctx.store, access.space.id)
  // The rules are read alongside the first rows rather than after them.
  policies.prepare()
  const items: InboxItem[] = []
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
    // A card needs who approved, not the whole history: the approvals alone, beside the targets.
    const [approvals] = await Promise.all([approvalsOf(ctx, access.space.id, rows), policies.load(rows)])
    for (const petition of rows) {
      last = petition
      const policy = policies.policyOf(petition)
      const approvedBy = approvals.get(petition.name) ?? []
      const actions = allowedActions(petition, policy, access, approvedBy)
      // Approvable, not merely deniable: a reviewer's own request or one they approved already waits for others.
      if (actions.approve) items.push({ petition, policy, approvedBy, actions })
      if (items.length === opts.pageSize) break
    }
    const asked = scanned === 0 ? opts.pageSize : BATCH
    scanned += rows.length
    if (items.length === opts.pageSize || rows.length < asked || scanned >= SCAN_MAX || !last) break
    after = { time: last.createTime, name: last.name }
  }
  const targets = policies.targets(items.map((i) => i.petition))
  if (last && (items.length === opts.pageSize || scanned >= SCAN_MAX)) {
    return { items, targets, nextPageToken: encodePageToken([last.createTime, last.name]) }
  }
  return { items, targets }
}

/** Who approved each petition so far, each once: the same answer approversOf gives from a full history. */
async function approvalsOf(
  ctx: Ctx,
  spaceId: string,
  rows: PetitionRecord[],
): Promise<Map<string, string[]>> {
  const events = await ctx.store.audit.petitionEvents(
    spaceId,
    rows.map((r) => r.name),
    { only: [EVENT_NAMES.accessApprove] },
  )
  const out = new Map<string, Set<string>>()
  for (const e of events) {
    if (e.petition === undefined || !e.event.actor) continue
    const set = out.get(e.petition) ?? new Set<string>()
    set.add(identityOf(e.event.actor))
    out.set(e.petition, set)
  }
  return new Map([...out].map(([name, set]) => [name, [...set]]))
}
