import { randomBytes } from 'node:crypto'
import { targetKey as contractTargetKey, type EventResource, type Phase } from '@openindent/contract'
import { identityOf } from '../identity.js'
import { sha256Hex } from '../ids.js'

export interface PetitionRecord {
  spaceId: string
  name: string
  requestKey: string
  phase: Phase
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string
  /** Requested duration; undefined when the petitioner did not ask for one. */
  durationMs?: number
  labels: Record<string, string>
  /** The identity of the principal who filed it (see identity.ts); unknown for petitions filed before it was kept. */
  filer?: string
  createTime: number
  updateTime: number
  decideTime?: number
  decideReason?: string
  outcome?: Outcome
}

/** Where a petition stands or how it ended: approved while granted; then revoked or expired; or denied, cancelled. */
export type Outcome = 'approved' | 'denied' | 'cancelled' | 'revoked' | 'expired'

export interface GrantRecord {
  id: string
  petition: string
  petitioner: EventResource
  resource: EventResource
  startTime: number
  /** Undefined: until revoked. */
  expireTime?: number
  revokeTime?: number
  revokeReason?: string
}

/** How a target is identified: `kind/id` exactly as uploaded (or `kind/email` when it has no id). */
export const targetKey = (r: EventResource): string => contractTargetKey(r)

/** Identical requests (the same people for the same targets, in any order) share one key. */
export function requestKey(petitioners: EventResource[], resources: EventResource[]): string {
  const p = [...new Set(petitioners.map(identityOf))].sort()
  const r = [...new Set(resources.map(targetKey))].sort()
  return sha256Hex(JSON.stringify([p, r])).slice(0, 40)
}

/** Short random hex names, as Indent's (`42010a1c010b`): 48 bits. */
export function petitionName(): string {
  return randomBytes(6).toString('hex')
}
