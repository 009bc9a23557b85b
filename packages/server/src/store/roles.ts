import { ROLES, type Role } from '@openindent/contract'

/** Roles are stored as a sorted, comma-separated list. */
export const encodeRoles = (roles: readonly Role[]): string => [...new Set(roles)].sort().join(',')

export const decodeRoles = (text: string): Role[] =>
  text.split(',').filter((r): r is Role => (ROLES as readonly string[]).includes(r))
