/** `enforce`: its decision applies; `shadow`: evaluated and logged in the audit log, never applied. */
export type PolicyMode = 'enforce' | 'shadow'

/** One Cedar policy of a space, as stored. */
export interface PolicyRecord {
  id: string
  text: string
  mode: PolicyMode
  description?: string
  /** The set version that last wrote it. */
  version: number
  createTime: number
  updateTime: number
}

/** What a write asks for. */
export interface PolicyInput {
  text: string
  mode: PolicyMode
  description?: string | undefined
}

export type PolicyChangeKind = 'create' | 'update' | 'delete' | 'settings'

/** One step of a space's policy history. */
export interface PolicyChange {
  version: number
  policyId: string
  change: PolicyChangeKind
  /** The policy's text after the change; absent for a deletion or a settings change. */
  text?: string
  mode?: PolicyMode
  /** Identity of who made the change. */
  actor: string
  time: number
}

/** The set's header: its version (0 before any change) and the time zone policies see. */
export interface PolicySetInfo {
  version: number
  timeZone: string
}

export const DEFAULT_TIME_ZONE = 'UTC'
