import { EVENT_NAMES } from '@openindent/contract'
import type { Ctx } from '../context.js'
import type { UserRecord } from '../spaces/types.js'
import type { SpaceAccess } from './principal.js'
import type { UserTokenSigner } from './user-tokens.js'

/** Labels an audited user token with when it stops working. */
export const EXPIRES_LABEL = 'openindent.dev/expires'

/**
 * A user access token minted on the host (`token create --user`), bypassing sign-in. Audited like
 * every other token: a `token/create` event naming the user and the token's id (`jti`), by the
 * caller (the host's CLI), in each space the user belongs to and in the space it was minted from.
 */
export async function mintUserToken(
  ctx: Ctx,
  signer: UserTokenSigner,
  access: Pick<SpaceAccess, 'space' | 'actor'>,
  user: UserRecord,
  ttlSeconds: number,
): Promise<string> {
  const signed = await signer.issue({ email: user.email, userId: user.id }, ttlSeconds)
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    const spaces = new Set([access.space.id, ...(await tx.principals.spaceIdsOfUser(user.id))])
    for (const spaceId of spaces) {
      await tx.audit.append(spaceId, [
        {
          event: EVENT_NAMES.tokenCreate,
          actor: access.actor,
          resources: [
            { kind: 'user', id: user.email, email: user.email },
            { kind: 'openindent.v1.UserToken', id: signed.id },
          ],
          labels: { [EXPIRES_LABEL]: new Date(signed.expiresAt).toISOString() },
          timestamp: now,
        },
      ])
    }
  })
  return signed.token
}
