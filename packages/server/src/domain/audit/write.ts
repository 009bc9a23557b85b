import {
  type AuditEvent,
  EVENT_NAMES,
  type EventResource,
  LABELS,
  type WriteEventsRequest,
} from '@openindent/contract'
import type { z } from 'zod'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid } from '../errors.js'
import { parseRfc3339, toAuditEvent } from './query.js'
import type { NewEvent } from './types.js'

/**
 * Event names under these prefixes are OpenIndent's own: apps cannot write them, or forge a grant.
 * Every family in EVENT_NAMES is reserved as it is added (a new one cannot be forgotten here), plus the
 * families written under names built at run time.
 */
export const RESERVED_EVENT_PREFIXES: readonly string[] = [
  ...new Set([
    ...Object.values(EVENT_NAMES).map((n) => n.slice(0, n.indexOf('/') + 1)),
    'policy/',
    'webhook/',
  ]),
]

export function isReservedEventName(name: string): boolean {
  const n = comparableEventName(name)
  return RESERVED_EVENT_PREFIXES.some((p) => n.startsWith(p.toLowerCase()))
}

/** Characters that show nothing: format characters (U+200B, bidi marks) and other default-ignorables. */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu

/**
 * A name as a reader of the log sees it: compatibility forms folded (NFKC: fullwidth `ａｃｃｅｓｓ` is
 * `access`), invisible characters dropped, without case or surrounding blanks. "\u200baccess/grant"
 * or "Access/Grant" cannot pass for the real thing.
 */
function comparableEventName(name: string): string {
  return name.normalize('NFKC').replace(INVISIBLE, '').trim().toLowerCase()
}

/** Set on an event whose actor is not the caller that wrote it: `kind/id` of the caller. */
export const WRITER_LABEL = 'openindent.dev/writer'

export type WriteEventInput = z.infer<typeof WriteEventsRequest>['events'][number]

/**
 * Appends an app's own events to its space's chain, all or none. The timestamp defaults to now and the
 * actor to the caller; an event naming another actor is labelled with its writer (`WRITER_LABEL`). Only
 * `meta.labels` of `meta` is kept.
 */
export async function writeEvents(
  ctx: Ctx,
  access: SpaceAccess,
  input: WriteEventInput[],
): Promise<AuditEvent[]> {
  requireRole(access, 'editor')
  return appendAppEvents(ctx, access.space.id, access.actor, input)
}

/** Appends app events for `writer` (a caller or an audit input), after the checks every writer gets. */
export async function appendAppEvents(
  ctx: Ctx,
  spaceId: string,
  writer: EventResource,
  input: WriteEventInput[],
): Promise<AuditEvent[]> {
  const now = ctx.clock.now()
  const events = input.map((e, i): NewEvent => {
    if (isReservedEventName(e.event)) {
      throw invalid(
        `event "${e.event}" is reserved: names starting with ${RESERVED_EVENT_PREFIXES.join(', ')} are written by OpenIndent itself`,
        `events.${i}.event`,
      )
    }
    let timestamp = now
    if (e.timestamp !== undefined) {
      const parsed = parseRfc3339(e.timestamp)
      if (parsed === undefined)
        throw invalid('timestamp must be an RFC 3339 timestamp', `events.${i}.timestamp`)
      timestamp = parsed
    }
    const out: NewEvent = { event: e.event, actor: e.actor ?? writer, timestamp }
    if (e.resources !== undefined) out.resources = e.resources
    if (e.reason !== undefined) out.reason = e.reason
    if (e.externalId !== undefined) out.externalId = e.externalId
    if (e.sessionId !== undefined) out.sessionId = e.sessionId
    const labels: Record<string, string> = { ...e.meta?.labels }
    // The label ties an event to a petition's history, always together with the petition column that
    // only OpenIndent sets; verify reports an event with one and not the other.
    if (labels[LABELS.petition] !== undefined) {
      throw invalid(
        `label ${LABELS.petition} is set by OpenIndent on its own petition events`,
        `events.${i}.meta.labels`,
      )
    }
    delete labels[WRITER_LABEL]
    // An app may name another actor (the user it acts for); the log still says which caller wrote it.
    if (e.actor !== undefined && !sameActor(e.actor, writer)) labels[WRITER_LABEL] = actorKey(writer)
    if (e.meta?.labels !== undefined || labels[WRITER_LABEL] !== undefined) out.labels = labels
    return out
  })
  const stored = await ctx.store.transaction((tx) => {
    tx.narrow()
    return tx.audit.append(spaceId, events)
  })
  return stored.map(toAuditEvent)
}

const actorKey = (a: EventResource) => `${a.kind ?? ''}/${a.id ?? a.email ?? ''}`
const sameActor = (a: EventResource, b: EventResource) => actorKey(a) === actorKey(b)
