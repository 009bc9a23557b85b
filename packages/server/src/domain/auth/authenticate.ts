import type { Role } from '@openindent/contract'
import { CACHE_TTL_MS, type Caches } from '../cache.js'
import type { Clock } from '../clock.js'
import { notFound, unauthenticated } from '../errors.js'
import { sha256Hex } from '../ids.js'
import { isServiceTokenJwt } from '../tokens/service-token.js'
import type { Repositories } from '../unit-of-work.js'
import { type Attempt, type AttemptLimiter, identityOf } from './attempts.js'
import { actorOf, type Principal, principalKey, type SpaceAccess } from './principal.js'
import type { UserTokenSigner } from './user-tokens.js'

/** Service-account tokens made before they were JWTs start with this; they keep working. */
export const SERVICE_TOKEN_PREFIX = 'oi_sa'

export interface AuthDeps {
  store: Pick<Repositories, 'tokens' | 'principals' | 'spaces'>
  clock: Clock
  signer: UserTokenSigner
  caches?: Caches
  attempts?: AttemptLimiter
}

/**
 * Resolves a bearer token to a principal, or throws UNAUTHENTICATED. Answers are cached only until the
 * next committed write anywhere (see Freshness), so a revocation still takes effect at once, on every
 * instance (a revoking commit waits for all of them: see UnitOfWork.revokesAccess), and for at most
 * CACHE_TTL_MS when the token was revoked in SQL, bypassing the API.
 */
export async function authenticate(
  deps: AuthDeps,
  bearer: string | undefined,
  client?: { address(): string },
): Promise<Principal> {
  if (!bearer) throw unauthenticated('missing bearer token: send "Authorization: Bearer <token>"')
  const cache = deps.caches?.principals
  const now = deps.clock.now()
  // A valid token seen since the last write anywhere: no limiter, no database.
  const hit = cache?.get(bearer, now)
  if (hit) return hit
  const generation = deps.caches?.freshness.current() ?? 0
  const { principal, until } = await limited(deps, bearer, client)
  cache?.set(bearer, principal, Math.min(until, now + CACHE_TTL_MS), generation)
  return principal
}

/**
 * Resolves a token under the failed-attempt limits: a blocked client is refused whatever it sends,
 * and each token refused counts against its address and identity. The block check runs alongside
 * the token's own lookup, so a valid token pays no extra latency for it.
 */
async function limited(
  deps: AuthDeps,
  bearer: string,
  client: { address(): string } | undefined,
): Promise<{ principal: Principal; until: number }> {
  if (!deps.attempts || !client) return resolve(deps, bearer)
  const attempt: Attempt = { kind: 'bearer', address: client.address(), identity: identityOf(bearer) }
  const [admitted, resolved] = await Promise.allSettled([deps.attempts.admit(attempt), resolve(deps, bearer)])
  if (admitted.status === 'rejected') throw admitted.reason
  if (resolved.status === 'fulfilled') return resolved.value
  if ((resolved.reason as { code?: string }).code === 'UNAUTHENTICATED') await deps.attempts.failed(attempt)
  throw resolved.reason
}

async function resolve(deps: AuthDeps, bearer: string): Promise<{ principal: Principal; until: number }> {
  // Service-account tokens: JWTs since Indent's SDK reads them, opaque `oi_sa_…` secrets before that.
  if (isServiceTokenJwt(bearer) || bearer.startsWith(`${SERVICE_TOKEN_PREFIX}_`)) {
    const token = await deps.store.tokens.findActive(sha256Hex(bearer), deps.clock.now())
    if (!token) throw unauthenticated('the token is not valid, or was revoked or expired')
    return {
      principal: { type: 'serviceAccount', token },
      until: token.expireTime ?? Number.POSITIVE_INFINITY,
    }
  }
  const claims = await deps.signer.verify(bearer)
  const user = await deps.store.principals.userById(claims.userId)
  if (!user || user.email !== claims.email) throw unauthenticated('the user of this token no longer exists')
  return { principal: { type: 'user', user }, until: claims.expiresAt ?? 0 }
}

/**
 * A principal's access to a named space. A space the principal may not see is reported as not found,
 * exactly like one that does not exist, so tokens cannot probe other spaces.
 */
export async function accessSpace(
  deps: AuthDeps,
  principal: Principal,
  spaceName: string,
): Promise<SpaceAccess> {
  const cache = deps.caches?.access
  const key = `${principalKey(principal)}\u0000${spaceName}`
  const now = deps.clock.now()
  const hit = cache?.get(key, now)
  if (hit) return hit
  const generation = deps.caches?.freshness.current() ?? 0
  const space = await deps.store.spaces.byName(spaceName)
  const roles = space && (await rolesIn(deps.store, principal, space.id))
  if (!space || !roles) throw notFound(`space "${spaceName}"`)
  const access: SpaceAccess = { space, roles, principal, actor: actorOf(principal) }
  cache?.set(key, access, now + CACHE_TTL_MS, generation)
  return access
}

/** A principal's roles in a space; undefined when it is not a member. */
export async function rolesIn(
  store: AuthDeps['store'],
  p: Principal,
  spaceId: string,
): Promise<Role[] | undefined> {
  switch (p.type) {
    case 'serviceAccount':
      return p.token.spaceId === spaceId ? p.token.serviceAccount.roles : undefined
    case 'user':
      if (p.user.isAdmin) return ['editor']
      return store.principals.memberRoles(spaceId, p.user.id)
    case 'system':
      return ['editor']
  }
}
