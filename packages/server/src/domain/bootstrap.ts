import { actorOf } from './auth/principal.js'
import { createSignInCode } from './auth/sign-in.js'
import type { Ctx } from './context.js'
import { newId } from './ids.js'
import { createSpaceIn } from './spaces/spaces.js'
import { createServiceAccountIn } from './tokens/service-accounts.js'
import type { ServiceTokenMinter } from './tokens/service-token.js'
import { createTokenIn } from './tokens/tokens.js'

export interface BootstrapResult {
  space: string
  adminEmail: string
  serviceAccount: string
  token: string
  signInCode: string
}

/**
 * First run: on a database with no spaces, create the default space, an admin user and a service
 * account token for the guide. Returns undefined when there was nothing to do, also when another
 * instance starting at the same moment did it first (its space insert wins, ours conflicts).
 */
export async function bootstrap(
  ctx: Ctx & { signer: ServiceTokenMinter },
  opts: { spaceName: string; adminEmail: string },
): Promise<BootstrapResult | undefined> {
  if ((await ctx.store.spaces.count()) > 0) return undefined
  const now = ctx.clock.now()
  const actor = actorOf({ type: 'system', name: 'first run' })
  const created = await ctx.store
    .transaction(async (tx) => {
      const space = await createSpaceIn(tx, actor, { name: opts.spaceName }, now)
      const userId = newId('usr')
      await tx.principals.createUser(
        { id: userId, email: opts.adminEmail, displayName: 'Admin', isAdmin: true },
        now,
      )
      await tx.principals.putMember(space.id, userId, ['editor'], now)
      const sa = await createServiceAccountIn(
        tx,
        { space, actor },
        { name: 'bootstrap', displayName: 'Bootstrap service account', roles: ['editor', 'petitionAdmin'] },
        now,
      )
      const { secret } = await createTokenIn(
        tx,
        { space, actor },
        sa,
        { displayName: 'first run' },
        now,
        ctx.signer,
      )
      return { userId, secret }
    })
    .catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ALREADY_EXISTS') return undefined
      throw err
    })
  if (!created) return undefined
  const signInCode = await createSignInCode(ctx, created.userId)
  return {
    space: opts.spaceName,
    adminEmail: opts.adminEmail,
    serviceAccount: 'bootstrap',
    token: created.secret,
    signInCode,
  }
}
