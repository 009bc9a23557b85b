import type { EVENT_NAMES, EventResource } from '@openindent/contract'
import type { NewEvent } from '../audit/types.js'
import type { SpaceAccess } from '../auth/principal.js'
import type { ResourceRecord } from './types.js'

export function asEventResource(r: ResourceRecord): EventResource {
  const out: EventResource = { kind: r.kind, id: r.id, labels: r.labels }
  if (r.displayName !== undefined) out.displayName = r.displayName
  if (r.email !== undefined) out.email = r.email
  if (r.altIds !== undefined) out.altIds = r.altIds
  return out
}

export function resourceEvent(
  name: typeof EVENT_NAMES.resourceUpdate | typeof EVENT_NAMES.resourceDelete,
  access: SpaceAccess,
  resources: ResourceRecord[],
  now: number,
): NewEvent {
  return { event: name, actor: access.actor, resources: resources.map(asEventResource), timestamp: now }
}
