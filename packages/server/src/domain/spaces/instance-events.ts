import { EVENT_NAMES, type EventResource } from '@openindent/contract'
import type { NewEvent } from '../audit/types.js'
import type { SpaceContents } from './ports.js'
import type { SpaceRecord } from './types.js'

/** Labels of the instance log's space events. */
export const SPACE_LABELS = {
  id: 'openindent.dev/space-id',
  /** The seq and hash the space's own chain ended at, `seq:hash`: its log can be checked against it. */
  head: 'openindent.dev/space-head',
} as const

/** `openindent.dev/deleted-resources` and the like: how many of each went with the space. */
export const deletedLabel = (what: string) => `openindent.dev/deleted-${what}`

const DELETED: Record<keyof SpaceContents, string> = {
  resources: 'resources',
  petitions: 'petitions',
  grants: 'grants',
  members: 'members',
  serviceAccounts: 'service-accounts',
  tokens: 'tokens',
  approvalRules: 'approval-rules',
}

export const spaceResource = (name: string): EventResource => ({ kind: 'openindent.v1.Space', id: name })

/** A space's creation, as the instance log records it. */
export function spaceCreated(
  space: { id: string; name: string },
  actor: EventResource,
  now: number,
): NewEvent {
  return {
    event: EVENT_NAMES.spaceCreate,
    actor,
    resources: [spaceResource(space.name)],
    timestamp: now,
    labels: { [SPACE_LABELS.id]: space.id },
  }
}

/**
 * A space's deletion, as the instance log records it: which space (name and id), what went with it,
 * and where its own chain, which stays, ended.
 */
export function spaceDeleted(
  space: SpaceRecord,
  actor: EventResource,
  contents: SpaceContents,
  head: { seq: number; hash: string },
  now: number,
): NewEvent {
  const labels: Record<string, string> = {
    [SPACE_LABELS.id]: space.id,
    [SPACE_LABELS.head]: `${head.seq}:${head.hash}`,
  }
  for (const [field, what] of Object.entries(DELETED))
    labels[deletedLabel(what)] = String(contents[field as keyof SpaceContents])
  return {
    event: EVENT_NAMES.spaceDelete,
    actor,
    resources: [spaceResource(space.name)],
    timestamp: now,
    labels,
  }
}
