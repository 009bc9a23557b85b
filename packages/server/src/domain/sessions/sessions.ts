import { recordSignIn } from '../auth/sign-in.js'
import { CACHE_TTL_MS, type Caches } from '../cache.js'
import type { Ctx } from '../context.js'
import { unauthenticated } from '../errors.js'
import { newSecret, sha256Hex } from '../ids.js'
import type { UserRecord } from '../spaces/types.js'
import type { SessionRecord, SignedIn } from './ports.js'

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
  const secret = newSecret('oi_sess')
  const session: SessionRecord = {
    secretHash: sha256Hex(secret),
    userId: user.id,
    csrfToken: newSecret('oi_csrf'),
    createTime: now,
    expireTime: now + SESSION_TTL_MS,
  }
  await ctx.store.transaction(async (tx) => {
    if (previousSecret && (await tx.sessions.revoke(sha256Hex(previousSecret), now))) tx.revokesAccess()
    await tx.sessions.create(session)
  })
  await recordSignIn(ctx, user)
  return { secret, csrfToken: session.csrfToken, expireTime: session.expireTime, user }
}

/**
 * The person behind a session cookie, or undefined when it is unknown, revoked or expired. One query,
 * and none while the answer is cached: an answer lives until the session expires, CACHE_TTL_MS passes,
 * or any write commits (see Freshness). Sign-out is such a write, and it takes access away, so it
 * returns only once every instance has dropped its cached sessions (see UnitOfWork.revokesAccess).
 * Only a session revoked in SQL, behind the server's back, may be honoured up to CACHE_TTL_MS longer.
 */
export async function sessionUser(
  ctx: Ctx & { caches?: Caches },
  secret: string,
): Promise<SignedIn | undefined> {
  const hash = sha256Hex(secret)
  const now = ctx.clock.now()
  const cache = ctx.caches?.sessions
  const hit = cache?.get(hash, now)
  if (hit) return hit
  const generation = ctx.caches?.freshness.current() ?? 0
  const found = await ctx.store.sessions.findActive(hash, now)
  if (found) cache?.set(hash, found, Math.min(found.session.expireTime, now + CACHE_TTL_MS), generation)
  return found
}

/** Sign-out: the session stops working on the server, on every instance, whatever the browser keeps. */
export async function endSession(ctx: Ctx, secret: string): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    if (await tx.sessions.revoke(sha256Hex(secret), ctx.clock.now())) tx.revokesAccess()
  })
}
