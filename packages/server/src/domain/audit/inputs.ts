import { randomBytes } from 'node:crypto'
import { type AuditEvent, EVENT_NAMES, type EventResource } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, notFound, unauthenticated } from '../errors.js'
import { sha256Hex } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import type { AuditInputRecord } from './inputs-ports.js'
import { appendAppEvents, type WriteEventInput } from './write.js'

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/**
 * An input's secret: 32 characters (160 bits) in Indent's DSN form, `/v1/<32-char input name>`, so
 * Indent's audit SDK takes the URL as its DSN unchanged. Only its hash is stored.
 */
function inputSecret(): string {
  return [...randomBytes(32)].map((b) => BASE32[b % 32]).join('')
}

/** The secret's shape: what the input routes match, and nothing else reaches the lookup. */
export const INPUT_SECRET = /^[a-z2-7]{32}$/

const inputActor = (i: Pick<AuditInputRecord, 'name' | 'displayName'>): EventResource => ({
  kind: 'openindent.v1.AuditInput',
  id: i.name,
  ...(i.displayName !== undefined ? { displayName: i.displayName } : {}),
})

/** Creates an input; the secret is returned once. Editors only. */
export async function createAuditInput(
  ctx: Ctx,
  access: SpaceAccess,
  input: { name: string; displayName?: string | undefined },
): Promise<{ input: AuditInputRecord; secret: string }> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  const record: AuditInputRecord = { spaceId: access.space.id, name: input.name, createTime: now }
  if (input.displayName !== undefined) record.displayName = input.displayName
  const secret = inputSecret()
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.auditInputs.create(record, sha256Hex(secret))))
      throw alreadyExists(`audit input "${input.name}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.auditInputCreate,
        actor: access.actor,
        resources: [inputActor(record)],
        timestamp: now,
      },
    ])
  })
  return { input: record, secret }
}

export async function listAuditInputs(
  ctx: Ctx,
  access: SpaceAccess,
  q: { pageSize?: number; pageToken?: string },
) {
  requireRole(access, 'editor')
  const afterName = decodePageToken(q.pageToken, isString)
  return page(
    q.pageSize,
    (limit) => ctx.store.auditInputs.list(access.space.id, { afterName, limit }),
    (i) => i.name,
  )
}

/** Revokes an input: its URL writes nothing from the next request on. */
export async function revokeAuditInput(
  ctx: Ctx,
  access: SpaceAccess,
  name: string,
): Promise<AuditInputRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const revoked = await tx.auditInputs.revoke(access.space.id, name, now)
    if (!revoked) throw notFound(`active audit input "${name}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.auditInputRevoke,
        actor: access.actor,
        resources: [inputActor(revoked)],
        timestamp: now,
      },
    ])
    return revoked
  })
}

/**
 * Writes events through an input's secret, with the checks every app write gets (no reserved names);
 * the input is the actor unless an event names one, and is then recorded as its writer.
 */
export async function writeThroughInput(
  ctx: Ctx,
  secret: string,
  events: WriteEventInput[],
  /** The space the path names, where the path names one: it must be the input's. */
  spaceName?: string,
): Promise<AuditEvent[]> {
  const input = INPUT_SECRET.test(secret)
    ? await ctx.store.auditInputs.findActive(sha256Hex(secret))
    : undefined
  const space = input && spaceName !== undefined ? await ctx.store.spaces.byId(input.spaceId) : undefined
  if (!input || (spaceName !== undefined && space?.name !== spaceName)) {
    throw unauthenticated('this audit input does not exist or was revoked')
  }
  return appendAppEvents(ctx, input.spaceId, inputActor(input), events)
}
