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

/**
 * Hash of everything a client can change; equal hashes mean an upsert changed nothing but time.
 * Labels are a flat string map, so sorting its entries is all the canonicalisation needed.
 */
export function contentHash(r: ResourceContent): string {
  const labels = Object.keys(r.labels)
    .sort()
    .map((k) => [k, r.labels[k]])
  return sha256Hex(JSON.stringify([r.displayName ?? null, r.email ?? null, r.altIds ?? null, labels])).slice(
    0,
    32,
  )
}
