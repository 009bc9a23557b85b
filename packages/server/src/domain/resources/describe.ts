import type { EventResource } from '@openindent/contract'
import { targetKey } from '../petitions/types.js'
import type { PolicyReads } from '../rules/policy.js'
import { type ResourceRecord, targetResourceName } from './types.js'

/**
 * The uploaded record of each target, by target key: the display name and the labels that drive the
 * rules. A target never uploaded is absent (it is shown as the petition named it).
 */
export async function describeTargets(
  reads: Pick<PolicyReads, 'resources'>,
  spaceId: string,
  targets: readonly EventResource[],
): Promise<Map<string, ResourceRecord>> {
  const unique = new Map<string, string>()
  for (const t of targets) {
    const name = targetResourceName(t)
    if (name !== undefined) unique.set(targetKey(t), name)
  }
  const keys = [...unique.keys()]
  const found = await Promise.all([...unique.values()].map((name) => reads.resources.get(spaceId, name)))
  const out = new Map<string, ResourceRecord>()
  for (const [i, r] of found.entries()) if (r) out.set(keys[i] as string, r)
  return out
}
