import type { AuditEvent, Event, ListEventsQuery } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid } from '../errors.js'
import { decodePageToken, page } from '../pagination.js'
import type { ChainRecord, EventFilter, StoredEvent } from './ports.js'

/**
 * Who may read the audit log: editors (and the system). The log shows everything that happens in a
 * space (who asked for what, every token and member change). Viewers see only their own petitions
 * (and those they may review); petition admins see every petition, but not the rest of the log.
 */
export const AUDIT_READ_ROLE = 'editor'

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/

/** Epoch milliseconds of an RFC 3339 timestamp, or undefined when it is not one (or names no real date). */
export function parseRfc3339(value: string): number | undefined {
  const m = RFC3339.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined
  // Second 60 is RFC 3339's leap second; it counts as the next second's start.
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const offsetHours = m[10] === undefined ? 0 : Number(m[10])
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11])
  if (offsetHours > 23 || offsetMinutes > 59) return undefined
  const millis = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset
  return Number.isFinite(utc) ? utc : undefined
}

/** The query's filters, checked: times parsed, a resource id only with its kind. */
export function eventFilter(q: {
  actor?: string | undefined
  resourceKind?: string | undefined
  resourceId?: string | undefined
  event?: string | undefined
  startTime?: string | undefined
  endTime?: string | undefined
}): EventFilter {
  const time = (value: string | undefined, param: 'startTime' | 'endTime') => {
    if (value === undefined) return undefined
    const ms = parseRfc3339(value)
    if (ms === undefined)
      throw invalid(`${param} must be an RFC 3339 timestamp such as 2026-01-02T03:04:05Z`, param)
    return ms
  }
  const startTime = time(q.startTime, 'startTime')
  const endTime = time(q.endTime, 'endTime')
  if (startTime !== undefined && endTime !== undefined && endTime <= startTime)
    throw invalid('endTime must be later than startTime', 'endTime')
  if (q.resourceId !== undefined && q.resourceKind === undefined)
    throw invalid('resourceId needs resourceKind: resources are identified by kind and id', 'resourceKind')
  return {
    actor: q.actor,
    resourceKind: q.resourceKind,
    resourceId: q.resourceId,
    event: q.event,
    startTime,
    endTime,
  }
}

const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** A stored event as the wire's AuditEvent: the event itself, with its place in the chain. */
export function toAuditEvent(row: ChainRecord | StoredEvent): AuditEvent {
  const event = 'body' in row ? (JSON.parse(row.body) as Event) : row.event
  return { ...event, seq: row.seq, hash: row.hash, prevHash: row.prevHash }
}

/**
 * Lists a space's events, newest first unless `ascending`, filtered by actor, resource, event name
 * and time range (`startTime` inclusive, `endTime` exclusive), with keyset pagination on seq.
 */
export async function listEvents(ctx: Ctx, access: SpaceAccess, query: ListEventsQuery): Promise<RecordPage> {
  requireRole(access, AUDIT_READ_ROLE)
  return listChain(ctx, access.space.id, query)
}

/**
 * A page of the log as stored: each event's canonical JSON with its place in the chain. The HTTP
 * layer writes the wire events from the stored bytes (see http/audit-page.ts) rather than parsing
 * every body here to serialize it again.
 */
export interface RecordPage {
  records: ChainRecord[]
  nextPageToken?: string
}

/** A page of any chain's events; the caller has checked who may read it. */
export async function listChain(ctx: Ctx, chain: string, query: ListEventsQuery): Promise<RecordPage> {
  const filter = eventFilter(query)
  const after = decodePageToken(query.pageToken, isSeq)
  const ascending = query.ascending === 'true'
  const { items, nextPageToken } = await page<ChainRecord>(
    query.pageSize,
    (limit) => ctx.store.audit.list(chain, filter, { ascending, after, limit }),
    (last) => last.seq,
  )
  return nextPageToken === undefined ? { records: items } : { records: items, nextPageToken }
}

export interface StreamOptions {
  batch?: number
  onProgress?: (seq: number, headSeq: number) => void
}

/**
 * Every event matching `filter` in chain order, read in batches by keyset. It stops at the head it
 * found when it started, so an export of a live log ends and is a consistent prefix of the chain.
 * The caller has checked who may read the chain (the host's CLI may read any).
 */
export async function* streamChain(
  ctx: Ctx,
  chain: string,
  filter: EventFilter,
  opts: StreamOptions = {},
): AsyncGenerator<AuditEvent> {
  const batch = opts.batch ?? 1000
  const head = await ctx.store.audit.head(chain)
  const through = head?.seq ?? 0
  let after = 0
  for (;;) {
    const rows = await ctx.store.audit.list(chain, filter, {
      ascending: true,
      after,
      through,
      limit: batch,
    })
    for (const row of rows) yield toAuditEvent(row)
    const last = rows[rows.length - 1]
    if (!last || rows.length < batch) break
    after = last.seq
    opts.onProgress?.(after, through)
  }
  opts.onProgress?.(through, through)
}
