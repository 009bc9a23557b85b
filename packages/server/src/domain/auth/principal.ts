import type { EventResource, Role } from '@openindent/contract'
import { denied } from '../errors.js'
import type { SpaceRecord, TokenRecord, UserRecord } from '../spaces/types.js'

/** Who is calling. */
export type Principal =
  | { type: 'serviceAccount'; token: TokenRecord }
  | { type: 'user'; user: UserRecord }
  | { type: 'system'; name: string }

/** A principal's standing in one space, checked on every space-scoped request. */
export interface SpaceAccess {
  space: SpaceRecord
  roles: Role[]
  principal: Principal
  /** How the principal appears in audit events. */
  actor: EventResource
}

const RANK: Record<Role, number> = { viewer: 1, petitionAdmin: 2, editor: 3 }

/** Editors can do what petition admins can, who can do what viewers can. */
export function hasRole(roles: readonly Role[], needed: Role): boolean {
  return roles.some((r) => RANK[r] >= RANK[needed])
}

export function requireRole(access: SpaceAccess, needed: Role): void {
  if (!hasRole(access.roles, needed))
    throw denied(`this action needs the ${needed} role in space ${access.space.name}`)
}

/** Names a principal, the same for every token of one service account; keys caches and idempotency scopes. */
export function principalKey(p: Principal): string {
  switch (p.type) {
    case 'serviceAccount':
      return `sa:${p.token.serviceAccount.id}`
    case 'user':
      return `user:${p.user.id}`
    case 'system':
      return `system:${p.name}`
  }
}

/** Instance administrators (and the host's CLI) manage spaces themselves. */
export function isInstanceAdmin(p: Principal): boolean {
  return p.type === 'system' || (p.type === 'user' && p.user.isAdmin)
}

export const SYSTEM_ACTOR: EventResource = {
  kind: 'openindent.v1.System',
  id: 'system',
  displayName: 'OpenIndent',
}

export function actorOf(p: Principal): EventResource {
  switch (p.type) {
    case 'serviceAccount': {
      const sa = p.token.serviceAccount
      const actor: EventResource = { kind: 'openindent.v1.ServiceAccount', id: sa.name }
      if (sa.displayName) actor.displayName = sa.displayName
      return actor
    }
    case 'user': {
      const actor: EventResource = { kind: 'user', id: p.user.email, email: p.user.email }
      if (p.user.displayName) actor.displayName = p.user.displayName
      return actor
    }
    case 'system':
      return { ...SYSTEM_ACTOR, displayName: p.name }
  }
}
