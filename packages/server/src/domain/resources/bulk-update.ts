import { BULK_UPDATE_MAX, EVENT_NAMES, type ResourceInput } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid } from '../errors.js'
import { newId } from '../ids.js'
import { reevaluateOpenPetitions } from '../petitions/lifecycle/reevaluate.js'
import { resourceEvent } from './events.js'
import { lastWins, toContent } from './input.js'
import type { ResourceRecord } from './types.js'

export interface BulkUpdateResult {
  /**
   * Every resource sent, as stored (a (kind, id) sent twice, once: the last one); without those stored
   * exactly as sent already when `readUnchanged` is false.
   */
  resources: ResourceRecord[]
  /** How many distinct resources were sent (and stored). */
  count: number
  /** How many of them were stored already exactly as sent, so that uploaders can say so. */
  unchanged: number
  /** How many of them are new: stored for the first time by this upload. */
  created: number
}

export interface BulkUpdateOptions {
  /**
   * False for a caller that wants counts, not copies: the resources stored exactly as sent are counted
   * without being read back. Default true.
   */
  readUnchanged?: boolean
}

/**
 * Upserts resources by `(kind, id)`, all or nothing. Re-sending the same resources changes only their
 * update time, and only resources whose content changed are written to the audit log.
 */
export async function bulkUpdateResources(
  ctx: Ctx,
  access: SpaceAccess,
  inputs: ResourceInput[],
  { readUnchanged = true }: BulkUpdateOptions = {},
): Promise<BulkUpdateResult> {
  requireRole(access, 'editor')
  if (inputs.length > BULK_UPDATE_MAX) {
    throw invalid(
      `at most ${BULK_UPDATE_MAX.toLocaleString('en-US')} resources per request; send larger uploads in chunks`,
      'resources',
    )
  }
  const items = lastWins(inputs.map(toContent))
  if (items.length === 0) return { resources: [], count: 0, unchanged: 0, created: 0 }
  const now = ctx.clock.now()
  const { resources, changed, created, unchanged } = await ctx.store.transaction(
    async (tx) => {
      tx.narrow()
      const written = await tx.resources.upsert(access.space.id, items, now, newId('w'), { readUnchanged })
      const event = resourceEvent(EVENT_NAMES.resourceUpdate, access, written.changed, now)
      if (written.changed.length > 0) await tx.audit.append(access.space.id, [event])
      // The event's copies serve the policies below too: an upload may change 100,000 resources.
      return {
        resources: written.resources,
        changed: event.resources ?? [],
        created: written.created,
        unchanged: written.unchanged,
      }
    },
    // Chunks of an upload sent side by side commit together: one disk flush for several.
    { shareCommit: true },
  )
  // New labels can change what the policies say about open petitions.
  await reevaluateOpenPetitions(ctx, access.space.id, changed)
  return { resources, count: items.length, unchanged, created }
}
