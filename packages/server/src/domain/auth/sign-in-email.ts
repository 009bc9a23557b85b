import { normalizeEmailAddress } from '@openindent/contract'
import type { Ctx } from '../context.js'
import { newSecret, sha256Hex } from '../ids.js'
import { signInEmail, signInLink } from '../notify/emails.js'
import { emailOutbox } from '../notify/enqueue.js'

/** A link sent by email is a credential in transit: it works for a quarter of an hour, once. */
export const EMAILED_SIGN_IN_TTL_MS = 15 * 60_000

/**
 * Mails a one-time sign-in link to a user, through the outbox: the code and its email are written in
 * one transaction. Answers the same whether or not the address belongs to a user (false only tells
 * the caller, for logs), so the sign-in page cannot be used to learn who has an account.
 */
export async function emailSignInLink(ctx: Ctx, address: string, publicUrl: string): Promise<boolean> {
  const email = normalizeEmailAddress(address)
  const user = await ctx.store.principals.userByEmail(email)
  if (!user) return false
  // The outbox files every message under a space; a user's first space will do.
  const [spaceId] = await ctx.store.principals.spaceIdsOfUser(user.id)
  if (!spaceId) return false
  const now = ctx.clock.now()
  const code = newSecret('oi_signin')
  const mail = signInEmail(user.email, signInLink(publicUrl, code), '15 minutes')
  const message = emailOutbox(spaceId, 'auth.signInLink.email', undefined, [mail], now)
  if (!message) return false
  await ctx.store.transaction(async (tx) => {
    await tx.tokens.createSignInCode(sha256Hex(code), user.id, now + EMAILED_SIGN_IN_TTL_MS)
    await tx.outbox.enqueue(message)
  })
  return true
}
