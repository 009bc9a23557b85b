import { recordSignIn } from '../auth/sign-in.js'
import type { Ctx } from '../context.js'
import { unauthenticated } from '../errors.js'
import { newSecret, sha256Hex } from '../ids.js'
import type { UserRecord } from '../spaces/types.js'
import type { SessionRecord } from './ports.js'

/** A working day: a reviewer signs in once in the morning, not again before lunch. */
export const SESSION_TTL_MS = 12 * 3600_000

export interface NewSession {
  /** The cookie's value; only its hash is stored. */
  secret: string
  csrfToken: string
  expireTime: number
  user: UserRecord
}

/**
 * Trades a one-time sign-in code for a new dashboard session. A session the browser still held is
 * revoked, so signing in always rotates the session id (a planted cookie is never promoted).
 */
export async function signInWithCode(ctx: Ctx, code: string, previousSecret?: string): Promise<NewSession> {
  const now = ctx.clock.now()
  const userId = await ctx.store.tokens.consumeSignInCode(sha256Hex(code), now)
  const user = userId && (await ctx.store.principals.userById(userId))
  if (!user) throw unauthenticated('the sign-in code is not valid, was used already, or expired')
  return startSession(ctx, user, previousSecret)
}

/** Opens a session for a person whose identity was just proven (a code, a link or single sign-on). */
export async function startSession(ctx: Ctx, user: UserRecord, previousSecret?: string): Promise<NewSession> {
  const now = ctx.clock.now()
  if (previousSecret) await ctx.store.sessions.revoke(sha256Hex(previousSecret), now)
  const secret = newSecret('oi_sess')
  const session: SessionRecord = {
    secretHash: sha256Hex(secret),
    userId: user.id,
    csrfToken: newSecret('oi_csrf'),
    createTime: now,
    expireTime: now + SESSION_TTL_MS,
  }
  await ctx.store.sessions.create(session)
  await recordSignIn(ctx, user)
  return { secret, csrfToken: session.csrfToken, expireTime: session.expireTime, user }
}

/** The person behind a session cookie, or undefined when it is unknown, revoked or expired. */
export async function sessionUser(
  ctx: Ctx,
  secret: string,
): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
  const session = await ctx.store.sessions.findActive(sha256Hex(secret), ctx.clock.now())
  const user = session && (await ctx.store.principals.userById(session.userId))
  return session && user ? { user, session } : undefined
}

/** Sign-out: the session stops working on the server, whatever the browser keeps. */
export async function endSession(ctx: Ctx, secret: string): Promise<void> {
  await ctx.store.sessions.revoke(sha256Hex(secret), ctx.clock.now())
}
