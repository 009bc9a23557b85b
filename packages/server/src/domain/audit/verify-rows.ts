import { LABELS } from '@openindent/contract'
import type { ChainRecord, EventLink } from './ports.js'

interface StoredBody {
  id?: unknown
  event?: unknown
  timestamp?: unknown
  actor?: { kind?: unknown; id?: unknown; email?: unknown }
  resources?: unknown
  meta?: { labels?: Record<string, unknown> }
}

/**
 * What a row holds besides its hashed body must agree with the body: the query columns, the petition
 * column (a petition's history and the grant check read events by it) and the `event_resources` rows
 * (resource queries read events by them). Otherwise a query finds what the body denies, or misses
 * what it says, while every hash still holds.
 */
export function rowProblem(row: ChainRecord, links: readonly EventLink[]): string | undefined {
  let body: unknown
  try {
    body = JSON.parse(row.body)
  } catch {
    return 'the stored body is not JSON'
  }
  if (body === null || typeof body !== 'object') return 'the stored body is not an event'
  const e = body as StoredBody
  return columnMismatch(row, e) ?? petitionMismatch(row, e) ?? linkMismatch(e, links)
}

function columnMismatch(row: ChainRecord, e: StoredBody): string | undefined {
  if (e.event !== row.event) return `the event column (${row.event}) is not the body's event`
  if (e.id !== row.id) return "the id column is not the body's id"
  if (typeof e.timestamp !== 'string' || Date.parse(e.timestamp) !== Number(row.timestamp))
    return "the timestamp column is not the body's timestamp"
  const actorKind = e.actor?.kind ?? null
  const actorId = e.actor?.id ?? e.actor?.email ?? null
  if (actorKind !== row.actorKind || actorId !== row.actorId)
    return "the actor columns are not the body's actor"
  return undefined
}

function petitionMismatch(row: ChainRecord, e: StoredBody): string | undefined {
  const raw = e.meta?.labels?.[LABELS.petition]
  const label = typeof raw === 'string' ? raw : null
  if (label === row.petition) return undefined
  return `the petition column (${row.petition ?? 'none'}) is not the body's ${LABELS.petition} label (${label ?? 'none'})`
}

// NUL cannot be in both a kind and an id the same way `/` can, so no two pairs share a key.
const key = (kind: string, id: string) => `${kind}\u0000${id}`
const shown = (k: string) => k.replace('\u0000', '/')

/** The resources `append` indexes: those with a kind and an id, once each, as keys. */
export function linkedResources(resources: unknown): Set<string> {
  const out = new Set<string>()
  if (!Array.isArray(resources)) return out
  for (const r of resources as ({ kind?: unknown; id?: unknown } | null)[]) {
    if (typeof r?.kind === 'string' && typeof r.id === 'string' && r.kind && r.id) out.add(key(r.kind, r.id))
  }
  return out
}

function linkMismatch(e: StoredBody, links: readonly EventLink[]): string | undefined {
  const named = linkedResources(e.resources)
  const indexed = new Set(links.map((l) => key(l.kind, l.id)))
  for (const k of named) {
    if (!indexed.has(k))
      return `event_resources lacks ${shown(k)}, which the body names: queries for it miss the event`
  }
  for (const k of indexed) {
    if (!named.has(k))
      return `event_resources lists the event under ${shown(k)}, which the body does not name`
  }
  return undefined
}
