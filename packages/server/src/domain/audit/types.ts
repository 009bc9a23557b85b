import type { Event, EventResource } from '@openindent/contract'
import { canonicalForm, canonicalJson } from '../canonical-json.js'
import { sha256Hex } from '../ids.js'

/** An event about to be appended to a space's audit log. */
export interface NewEvent {
  event: string
  actor?: EventResource
  resources?: EventResource[]
  reason?: string
  /** Epoch milliseconds. */
  timestamp: number
  labels?: Record<string, string>
  externalId?: string
  sessionId?: string
  /** The petition this event belongs to (its history); also shown as the `indent.com/petition` label. */
  petition?: string
}

/** The hash a space's chain starts from. */
export const GENESIS_HASH = '0'.repeat(64)

/** The event in Indent's JSON format; this exact object, canonicalised, is what the chain hashes. */
export function eventBody(id: string, e: NewEvent): Record<string, unknown> {
  return {
    id,
    event: e.event,
    actor: e.actor,
    resources: e.resources,
    reason: e.reason,
    timestamp: new Date(e.timestamp).toISOString(),
    externalId: e.externalId,
    sessionId: e.sessionId,
    meta: e.labels || e.petition ? { labels: petitionLabels(e) } : undefined,
  }
}

function petitionLabels(e: NewEvent): Record<string, string> {
  return e.petition ? { ...e.labels, 'indent.com/petition': e.petition } : { ...e.labels }
}

/**
 * Each event's hash covers the previous hash, its position and its bytes, so editing, removing or
 * reordering any stored event breaks every hash after it.
 */
export function chainHash(prevHash: string, seq: number, body: string): string {
  return sha256Hex(`${prevHash}\n${seq}\n${body}`)
}

export const serializeEvent = canonicalJson

/**
 * An event's bytes as `serializeEvent` writes them, and the object they parse back to (keys sorted,
 * absent fields dropped), computed once: what a later read of the stored event gives.
 */
export function storedForm(event: Record<string, unknown>): { body: string; value: Event } {
  const value = canonicalForm(event) as Event
  return { body: JSON.stringify(value), value }
}
