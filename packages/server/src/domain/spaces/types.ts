import type { Role } from '@openindent/contract'

export interface SpaceRecord {
  id: string
  name: string
  displayName?: string
  settings: SpaceSettings
  createTime: number
  updateTime: number
}

/** How a space treats requests. */
export interface SpaceSettings {
  /** Refuse petitions for resources never uploaded (off by default). */
  requireKnownResources: boolean
}

export interface UserRecord {
  id: string
  email: string
  displayName?: string
  isAdmin: boolean
  createTime: number
}

export interface MemberRecord {
  user: UserRecord
  roles: Role[]
  createTime: number
  updateTime: number
}

export interface ServiceAccountRecord {
  id: string
  spaceId: string
  name: string
  displayName?: string
  roles: Role[]
  createTime: number
}

export interface TokenRecord {
  id: string
  spaceId: string
  serviceAccount: ServiceAccountRecord
  displayName?: string
  createTime: number
  expireTime?: number
  revokeTime?: number
}
