import type { PetitionResource } from '@openindent/contract'

/**
 * The `sub` claim of an API token that is a JWT (three dot-separated base64url parts), as every
 * OpenIndent token is: a user's email, or `openindent.v1.ServiceAccount/<name>` for a service
 * account. Resolves to `undefined` for anything that is not a JWT with a string `sub`. The signature
 * is not checked: the server does that.
 *
 * @example
 * ```ts
 * const email = tokenSubject(client.apiToken)
 * const petitioners = email ? [{ kind: 'user', email }] : [{ kind: 'user', email: 'jane@example.com' }]
 * ```
 */
export function tokenSubject(apiToken: string): string | undefined {
  if (typeof apiToken !== 'string') return undefined
  const parts = apiToken.split('.')
  const payload = parts[1]
  if (parts.length !== 3 || !payload || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    const claims: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    if (typeof claims !== 'object' || claims === null) return undefined
    const sub: unknown = (claims as { sub?: unknown }).sub
    return typeof sub === 'string' && sub.trim() !== '' ? sub : undefined
  } catch {
    return undefined
  }
}

/**
 * Whom a petition or approval check is for when it names no petitioners, as in Indent's clients: the
 * user of a user access token (`{ kind: 'user', email: <sub> }`). `undefined` for a service-account
 * token, which acts for others and so must name them.
 *
 * @example
 * ```ts
 * const petitioners = request.petitioners ?? defaultPetitioners(client.apiToken)
 * if (!petitioners) throw new Error('name the petitioners: this token is not a user access token')
 * ```
 */
export function defaultPetitioners(apiToken: string): PetitionResource[] | undefined {
  const sub = tokenSubject(apiToken)
  // A service-account token's `sub` is the account (`openindent.v1.ServiceAccount/…`), not a person.
  return sub === undefined || !/^[^\s@/]+@[^\s@/]+$/.test(sub) ? undefined : [{ kind: 'user', email: sub }]
}
