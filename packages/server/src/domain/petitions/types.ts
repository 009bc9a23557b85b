import { randomBytes } from 'node:crypto'
import type { EventResource, Phase } from '@openindent/contract'
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
  createTime: number
  updateTime: number
  decideTime?: number
  decideReason?: string
  outcome?: Outcome
}

export type Outcome = 'approved' | 'denied' | 'cancelled' | 'revoked'

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

/** How a petitioner or target is identified: `kind/id`, or `kind/email` for someone named only by email. */
export function subjectKey(r: EventResource): string {
  return `${r.kind ?? ''}/${r.id ?? r.email?.toLowerCase() ?? ''}`
}

/** Identical requests (same petitioners, same targets, in any order) share one key. */
export function requestKey(petitioners: EventResource[], resources: EventResource[]): string {
  const p = [...new Set(petitioners.map(subjectKey))].sort()
  const r = [...new Set(resources.map(subjectKey))].sort()
  return sha256Hex(JSON.stringify([p, r])).slice(0, 40)
}

/** Short random hex names, as Indent's (`42010a1c010b`): 48 bits. */
export function petitionName(): string {
  return randomBytes(6).toString('hex')
}
