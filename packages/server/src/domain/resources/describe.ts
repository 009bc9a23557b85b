import type { EventResource } from '@openindent/contract'
import { targetKey } from '../petitions/types.js'
import type { PolicyReads } from '../rules/policy.js'
import { type ResourceRecord, resourceName } from './types.js'

/**
 * The uploaded record of each target, by target key: the display name and the labels that drive the
 * rules. A target never uploaded is absent (it is shown as the petition named it).
 */
export async function describeTargets(
  reads: Pick<PolicyReads, 'resources'>,
  spaceId: string,
  targets: readonly EventResource[],
): Promise<Map<string, ResourceRecord>> {
  const unique = new Map<string, EventResource>()
  for (const t of targets) if (t.kind && t.id) unique.set(targetKey(t), t)
  const found = await Promise.all(
    [...unique].map(async ([key, t]) => {
      const r = await reads.resources.get(spaceId, resourceName(t.kind as string, t.id as string))
      return [key, r] as const
    }),
  )
  const out = new Map<string, ResourceRecord>()
  for (const [key, r] of found) if (r) out.set(key, r)
  return out
}
