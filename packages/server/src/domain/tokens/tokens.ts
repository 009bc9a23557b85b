import { EVENT_NAMES } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { notFound } from '../errors.js'
import { newId, sha256Hex } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import type { ServiceAccountRecord, TokenRecord } from '../spaces/types.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { ServiceTokenMinter } from './service-token.js'

const DAY_MS = 86_400_000

export interface CreatedToken {
  token: TokenRecord
  /** The token itself (a JWT). Shown once: only its SHA-256 is stored. */
  secret: string
}

export async function createTokenIn(
  tx: UnitOfWork,
  access: Pick<SpaceAccess, 'space' | 'actor'>,
  sa: ServiceAccountRecord,
  input: { displayName?: string | undefined; expiryDays?: number | undefined },
  now: number,
  minter: ServiceTokenMinter,
): Promise<CreatedToken> {
  const id = newId('tok')
  const expireTime = input.expiryDays ? now + input.expiryDays * DAY_MS : undefined
  const secret = await minter.mintServiceToken({
    tokenId: id,
    spaceName: access.space.name,
    serviceAccount: sa.name,
    scope: sa.roles.join(' '),
    issuedAt: now,
    expiresAt: expireTime,
  })
  await tx.tokens.create(
    {
      id,
      spaceId: access.space.id,
      serviceAccountId: sa.id,
      displayName: input.displayName,
      secretHash: sha256Hex(secret),
      expireTime,
    },
    now,
  )
  await tx.audit.append(access.space.id, [
    {
      event: EVENT_NAMES.tokenCreate,
      actor: access.actor,
      resources: [
        { kind: 'openindent.v1.ServiceAccount', id: sa.name },
        { kind: 'openindent.v1.Token', id },
      ],
      timestamp: now,
    },
  ])
  const token: TokenRecord = { id, spaceId: access.space.id, serviceAccount: sa, createTime: now }
  if (input.displayName !== undefined) token.displayName = input.displayName
  if (expireTime !== undefined) token.expireTime = expireTime
  return { token, secret }
}

export async function createToken(
  ctx: Ctx & { signer: ServiceTokenMinter },
  access: SpaceAccess,
  input: { serviceAccount: string; displayName?: string | undefined; expiryDays?: number | undefined },
): Promise<CreatedToken> {
  requireRole(access, 'editor')
  return ctx.store.transaction(async (tx) => {
    const sa = await tx.principals.serviceAccountByName(access.space.id, input.serviceAccount)
    if (!sa) throw notFound(`service account "${input.serviceAccount}"`)
    return createTokenIn(tx, access, sa, input, ctx.clock.now(), ctx.signer)
  })
}

/** Revokes a token; the very next request with it is refused. */
export async function revokeToken(ctx: Ctx, access: SpaceAccess, id: string): Promise<TokenRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    tx.revokesAccess()
    if (!(await tx.tokens.revoke(access.space.id, id, now))) throw notFound(`active token "${id}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.tokenRevoke,
        actor: access.actor,
        resources: [{ kind: 'openindent.v1.Token', id }],
        timestamp: now,
      },
    ])
    const token = await tx.tokens.byId(access.space.id, id)
    if (!token) throw notFound(`token "${id}"`)
    return token
  })
}

export async function listTokens(
  ctx: Ctx,
  access: SpaceAccess,
  q: { serviceAccount?: string; showRevoked?: boolean; pageSize?: number; pageToken?: string },
) {
  requireRole(access, 'editor')
  let serviceAccountId: string | undefined
  if (q.serviceAccount) {
    const sa = await ctx.store.principals.serviceAccountByName(access.space.id, q.serviceAccount)
    if (!sa) throw notFound(`service account "${q.serviceAccount}"`)
    serviceAccountId = sa.id
  }
  const afterId = decodePageToken(q.pageToken, isString)
  return page(
    q.pageSize,
    (limit) =>
      ctx.store.tokens.list(access.space.id, {
        serviceAccountId,
        showRevoked: q.showRevoked ?? false,
        afterId,
        limit,
      }),
    (t) => t.id,
  )
}
