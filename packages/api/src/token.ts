/**
 * The `sub` claim of an API token that is a JWT (three dot-separated base64url parts), as OpenIndent's
 * and Indent's short-lived user access tokens are; their `sub` is the user's email. Resolves to
 * `undefined` for service-account tokens and anything else that is not a JWT with a string `sub`. The
 * signature is not checked: the server does that.
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
