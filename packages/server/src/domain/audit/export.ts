import type { AuditEvent } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { AUDIT_READ_ROLE, eventFilter, streamChain } from './query.js'
import { type VerifyResult, verifyChain } from './verify.js'

type Filters = Parameters<typeof eventFilter>[0]

/** A space's events matching the filters, oldest first, for download; editors only, as the list. */
export function exportEvents(ctx: Ctx, access: SpaceAccess, filters: Filters): AsyncGenerator<AuditEvent> {
  requireRole(access, AUDIT_READ_ROLE)
  return streamChain(ctx, access.space.id, eventFilter(filters))
}

/** Walks the space's chain from genesis (see verifyChain); editors only. */
export function verifySpaceChain(ctx: Ctx, access: SpaceAccess): Promise<VerifyResult> {
  requireRole(access, AUDIT_READ_ROLE)
  return verifyChain(ctx.store, access.space.id)
}
