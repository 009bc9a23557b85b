import type { Role } from '@openindent/contract'
import { actorOf, type Principal, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { denied, notFound } from '../errors.js'
import { normalizeEmail, putMember } from '../spaces/members.js'
import { type NewSession, startSession } from './sessions.js'

/** Who the identity provider says signed in. */
export interface ProvenIdentity {
  email: string | undefined
  emailVerified: boolean
  name?: string | undefined
}

export interface SingleSignOnPolicy {
  /** The space a person new to this instance joins. */
  space: string
  /** Their role there; undefined: people not known here already are refused. */
  defaultRole: Role | undefined
}

const SSO: Principal = { type: 'system', name: 'single sign-on' }

/**
 * Single sign-on: a person is who the provider says only when it verified their email. Someone known
 * here signs in; someone new joins the configured space with the default role (audited as single
 * sign-on adding a member), or is refused when no default role is configured.
 */
export async function signInVerified(
  ctx: Ctx,
  who: ProvenIdentity,
  policy: SingleSignOnPolicy,
  previousSecret?: string,
): Promise<NewSession> {
  if (!who.email || !who.emailVerified) {
    throw denied('your identity provider did not confirm a verified email address for you')
  }
  const email = normalizeEmail(who.email)
  let user = await ctx.store.principals.userByEmail(email)
  if (!user) {
    if (!policy.defaultRole) {
      throw denied(`${email} is not a member here: ask an editor to add you, then sign in again`)
    }
    const space = await ctx.store.spaces.byName(policy.space)
    if (!space) throw notFound(`space "${policy.space}"`)
    const access: SpaceAccess = { space, roles: ['editor'], principal: SSO, actor: actorOf(SSO) }
    await putMember(ctx, access, email, { roles: [policy.defaultRole], displayName: who.name })
    user = await ctx.store.principals.userByEmail(email)
    if (!user) throw new Error(`single sign-on added ${email} but cannot find them`)
  }
  return startSession(ctx, user, previousSecret)
}
