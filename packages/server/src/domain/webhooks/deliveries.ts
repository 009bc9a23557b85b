import { EVENT_NAMES } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { DomainError, notFound } from '../errors.js'
import { decodePageToken, page } from '../pagination.js'
import type { DeliveryRecord, DeliveryStatus } from './types.js'

const isKey = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string'

/** A space's deliveries, newest first: all of them, one webhook's, or those in one status (`dead`). */
export async function listDeliveries(
  ctx: Ctx,
  access: SpaceAccess,
  q: {
    webhook?: string | undefined
    status?: DeliveryStatus | undefined
    pageSize?: number
    pageToken?: string
  },
): Promise<{ items: DeliveryRecord[]; nextPageToken?: string }> {
  requireRole(access, 'editor')
  // A deleted webhook's deliveries stay listable: they are its history and its dead letters.
  const after = decodePageToken(q.pageToken, isKey)
  return page(
    q.pageSize,
    (limit) =>
      ctx.store.outbox.list(access.space.id, {
        webhook: q.webhook,
        status: q.status,
        limit,
        before: after && { createTime: after[0], id: after[1] },
      }),
    (last) => [last.createTime, last.id],
  )
}

/**
 * Hands a delivery back to the worker now, with a fresh retry budget: how an operator replays a dead
 * letter once the receiver is fixed. A delivered one is not sent again.
 */
export async function retryDelivery(ctx: Ctx, access: SpaceAccess, id: string): Promise<DeliveryRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const current = await tx.outbox.get(access.space.id, id)
    if (!current) throw notFound(`delivery "${id}"`)
    if (current.status === 'delivered')
      throw new DomainError('CONFLICT', `delivery ${id} was delivered already`)
    const retried = await tx.outbox.retry(access.space.id, id, now)
    if (!retried) throw notFound(`delivery "${id}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.deliveryRetry,
        actor: access.actor,
        resources: [
          { kind: 'openindent.v1.Webhook', id: retried.webhook },
          { kind: 'openindent.v1.Delivery', id },
        ],
        timestamp: now,
      },
    ])
    return retried
  })
}
