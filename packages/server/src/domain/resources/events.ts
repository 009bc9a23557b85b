import type { EVENT_NAMES, EventResource } from '@openindent/contract'
import type { NewEvent } from '../audit/types.js'
import type { SpaceAccess } from '../auth/principal.js'
import type { ResourceRecord } from './types.js'

/** Keys in sorted order, so the audit log's canonical JSON can take the object as it is. */
export function asEventResource(r: ResourceRecord): EventResource {
  const out: Partial<EventResource> = {}
  if (r.altIds !== undefined) out.altIds = r.altIds
  if (r.displayName !== undefined) out.displayName = r.displayName
  if (r.email !== undefined) out.email = r.email
  out.id = r.id
  out.kind = r.kind
  out.labels = r.labels
  return out as EventResource
}

export function resourceEvent(
  name: typeof EVENT_NAMES.resourceUpdate | typeof EVENT_NAMES.resourceDelete,
  access: SpaceAccess,
  resources: ResourceRecord[],
  now: number,
): NewEvent {
  return { event: name, actor: access.actor, resources: resources.map(asEventResource), timestamp: now }
}
