import { type EventResource, isUserKind, personEmail, subjectKey } from '@openindent/contract'
import { hasRole, type Principal, type SpaceAccess } from './auth/principal.js'
import { denied, invalid } from './errors.js'

/**
 * Who is who. A person has exactly one identity, `user/<email>`: the email trimmed and case-folded,
 * taken from `email`, or from `id` when that is itself an email. Other subjects (groups, service
 * accounts, bots) are `<kind>/<id>`. Grants, the approval check, self-approval and quorum compare
 * these identities, never the `kind`/`id`/`email` mix a caller happened to send.
 */
// Shared with the SDK's decision cache (contract/watch.ts), which must key grants exactly as we do.
export { isUserKind, personEmail }

/** The identity a petitioner, reviewer or actor is stored and compared under. */
export const identityOf = (r: EventResource): string => subjectKey(r)

/** How a principal appears as a subject: a user by email, a service account by its actor. */
export function principalIdentity(p: Principal, actor: EventResource): string {
  return p.type === 'user' ? `user/${p.user.email}` : identityOf(actor)
}

/** The caller's own identity in a space. */
export const callerIdentity = (access: SpaceAccess): string =>
  principalIdentity(access.principal, access.actor)

/**
 * Petitioners as sent, made canonical: a `user` must resolve to an email (it is who they are), kinds of
 * people are spelled `user`, ids and emails are trimmed and emails case-folded.
 */
export function canonicalPetitioners(list: EventResource[], param: string): EventResource[] {
  return list.map((r, i) => {
    if (!isUserKind(r.kind)) return { ...r, ...(r.id !== undefined ? { id: r.id.trim() } : {}) }
    const email = personEmail(r)
    if (!email) {
      throw invalid(
        `${param}.${i}: a user is identified by their email: give "email" (or an email as "id")`,
        `${param}.${i}`,
      )
    }
    const out: EventResource = { ...r, kind: 'user', email }
    if (r.id !== undefined) out.id = r.id.trim()
    return out
  })
}

/**
 * Who a caller may petition for. With `petitionAdmin` (an admin portal's service account), anyone, as
 * named. Without it, only themselves: every petitioner must be the caller's own identity, and the
 * petition names the caller as the server knows them, not as the request spelled them.
 */
export function authorizePetitioners(access: SpaceAccess, petitioners: EventResource[]): EventResource[] {
  if (hasRole(access.roles, 'petitionAdmin')) return petitioners
  const self = callerIdentity(access)
  petitioners.forEach((p, i) => {
    if (identityOf(p) !== self) {
      throw denied(
        `petitioners.${i}: without the petitionAdmin role you can ask for access only for yourself`,
      )
    }
  })
  return [access.actor]
}
