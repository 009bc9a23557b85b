import type { EventResource } from '@openindent/contract'
import { sha256Hex } from '../ids.js'

/** A resource as the domain sees it. Times are epoch milliseconds. */
export interface ResourceRecord {
  kind: string
  id: string
  /** Stable short name used in paths, derived from `(kind, id)`. */
  name: string
  displayName?: string
  email?: string
  altIds?: string[]
  labels: Record<string, string>
  createTime: number
  updateTime: number
}

/** What a page shows of a target and what its rules select on: an uploaded resource, read lean. */
export type ResourceSummary = Pick<ResourceRecord, 'kind' | 'id' | 'name' | 'displayName' | 'labels'>

/** The writable part of a resource. */
export type ResourceContent = Pick<
  ResourceRecord,
  'kind' | 'id' | 'displayName' | 'email' | 'altIds' | 'labels'
>

/**
 * The name of a resource: 16 hex characters of SHA-256 over `(kind, id)`. Derived rather than random,
 * so re-uploads, several instances and clients all agree on it without a lookup.
 */
export function resourceName(kind: string, id: string): string {
  return sha256Hex(`${kind}\u0000${id}`).slice(0, 16)
}

const targetNames = new WeakMap<EventResource, string>()

/**
 * The resource name of a petition's target, or undefined when it names no kind and id. Hashed once per
 * target object: a page of petitions asks for it to prefetch, to pick each policy and to show the
 * target, and a petition's targets are never changed once read.
 */
export function targetResourceName(target: EventResource): string | undefined {
  if (!target.kind || !target.id) return undefined
  let name = targetNames.get(target)
  if (name === undefined) {
    name = resourceName(target.kind, target.id)
    targetNames.set(target, name)
  }
  return name
}

/** A string JSON.stringify would copy as it is, between quotes (no quote, backslash, control or surrogate). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters JSON escapes are what it looks for
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/
const jsonString = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s))

/** `JSON.stringify(labels)`, the same bytes, written by hand for the same reason as `contentHash`'s text. */
export function labelsJson(labels: Record<string, string>): string {
  let out = ''
  for (const key of Object.keys(labels)) {
    out += `${out ? ',' : ''}${jsonString(key)}:${jsonString(labels[key] as string)}`
  }
  return `{${out}}`
}

/**
 * Hash of everything a client can change; equal hashes mean an upsert changed nothing but time.
 * Labels are a flat string map, so sorting its entries is all the canonicalisation needed. The text
 * hashed is `JSON.stringify([displayName, email, altIds, [[key, value], …]])` (nulls for absent
 * fields), written out by hand: an upload hashes 100,000 of them, and a call to JSON.stringify with its
 * arrays of pairs cost more than the hash (test/unit/content-hash.test.ts holds the two equal).
 */
export function contentHash(r: ResourceContent): string {
  const keys = Object.keys(r.labels)
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) >= (keys[i] as string)) {
      keys.sort()
      break
    }
  }
  let labels = ''
  for (const key of keys) {
    labels += `${labels ? ',' : ''}[${jsonString(key)},${jsonString(r.labels[key] as string)}]`
  }
  const displayName = r.displayName == null ? 'null' : jsonString(r.displayName)
  const email = r.email == null ? 'null' : jsonString(r.email)
  const altIds = r.altIds == null ? 'null' : JSON.stringify(r.altIds)
  return sha256Hex(`[${displayName},${email},${altIds},[${labels}]]`).slice(0, 32)
}
