import type { Role } from '@openindent/contract'

/** Roles as kept: each once, in a fixed order, so a response and its audit event match a later read. */
export const normalizeRoles = (roles: readonly Role[]): Role[] => [...new Set(roles)].sort()
