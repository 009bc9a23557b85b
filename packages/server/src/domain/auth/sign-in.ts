import { EVENT_NAMES } from '@openindent/contract'
import type { Ctx } from '../context.js'
import { unauthenticated } from '../errors.js'
import { newSecret, sha256Hex } from '../ids.js'
import type { UserRecord } from '../spaces/types.js'
import type { UserTokenSigner } from './user-tokens.js'

export const USER_TOKEN_TTL_SECONDS = 3600
const SIGN_IN_CODE_TTL_MS = 24 * 3600_000

/** A one-time code that signs a user in; only its hash is stored. */
export async function createSignInCode(ctx: Ctx, userId: string): Promise<string> {
  const code = newSecret('oi_signin')
  await ctx.store.tokens.createSignInCode(sha256Hex(code), userId, ctx.clock.now() + SIGN_IN_CODE_TTL_MS)
  return code
}

/** Trades a sign-in code, once, for a short-lived user access token. */
export async function exchangeSignInCode(
  ctx: Ctx,
  signer: UserTokenSigner,
  code: string,
): Promise<{ accessToken: string; expiresIn: number }> {
  const userId = await ctx.store.tokens.consumeSignInCode(sha256Hex(code), ctx.clock.now())
  const user = userId && (await ctx.store.principals.userById(userId))
  if (!user) throw unauthenticated('the sign-in code is not valid, was used already, or expired')
  // An hour, or less where the configured maximum lifetime is shorter.
  const expiresIn = Math.min(USER_TOKEN_TTL_SECONDS, signer.maxLifetimeSeconds)
  const accessToken = await signer.sign({ email: user.email, userId: user.id }, expiresIn)
  await recordSignIn(ctx, user)
  return { accessToken, expiresIn }
}

/** A sign-in is audited in every space the person belongs to, whether it led to a token or a session. */
export async function recordSignIn(ctx: Ctx, user: UserRecord): Promise<void> {
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    for (const spaceId of await tx.principals.spaceIdsOfUser(user.id)) {
      await tx.audit.append(spaceId, [
        {
          event: EVENT_NAMES.signIn,
          actor: { kind: 'user', id: user.email, email: user.email },
          timestamp: now,
        },
      ])
    }
  })
}
