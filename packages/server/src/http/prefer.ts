import type { Context } from 'hono'
import type { AppEnv } from './env.js'

/**
 * Whether the request asks for a minimal answer (RFC 7240: `Prefer: return=minimal`, one preference
 * among others in one or more headers).
 */
export function wantsMinimal(c: Context<AppEnv>): boolean {
  const header = c.req.header('prefer')
  if (header === undefined) return false
  return header.split(',').some((preference) => /^return\s*=\s*"?minimal"?\s*(;|$)/i.test(preference.trim()))
}

/**
 * `wantsMinimal`, for a route that honours it (see `RouteDef.answersMinimal`): when the request asks,
 * the route answers so and says it did, with `Preference-Applied`.
 */
export function prefersMinimal(c: Context<AppEnv>): boolean {
  const wanted = wantsMinimal(c)
  if (wanted) minimalApplied(c)
  return wanted
}

/** Says, on the answer, that it is the minimal one the request asked for. */
export function minimalApplied(c: Context<AppEnv>): void {
  c.header('Preference-Applied', 'return=minimal')
}
