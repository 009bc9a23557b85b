import { timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import type { CookieOptions } from 'hono/utils/cookie'

/**
 * Scripts and styles only from our own origin (no inline script, so injected markup cannot run), no
 * framing, forms post only to us. Pico's icons are data: SVGs in its stylesheet.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Security headers on every dashboard response (pages, fragments, assets, events). */
export function securityHeaders(trustProxy: number): MiddlewareHandler {
  return async (c, next) => {
    await next()
    const h = c.res.headers
    // Only a browser that came over TLS is told to keep doing so.
    if (overTls(c, trustProxy)) h.set('strict-transport-security', 'max-age=31536000')
    h.set('content-security-policy', CONTENT_SECURITY_POLICY)
    h.set('x-content-type-options', 'nosniff')
    h.set('x-frame-options', 'DENY')
    // A sign-in link carries its code in the URL: never sent on to another site.
    h.set('referrer-policy', 'no-referrer')
    h.set('cross-origin-opener-policy', 'same-origin')
    h.set('cross-origin-resource-policy', 'same-origin')
    h.set('permissions-policy', 'camera=(), microphone=(), geolocation=()')
    if (!h.has('cache-control')) h.set('cache-control', 'no-store')
  }
}

/**
 * Whether the browser reached us over TLS: the request's own scheme, or, only behind a proxy the
 * operator declared (OPENINDENT_TRUST_PROXY), the scheme the nearest proxy says it received.
 */
export function overTls(c: Context, trustProxy: number): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true
  if (trustProxy <= 0) return false
  const hops = (c.req.header('x-forwarded-proto') ?? '').split(',').map((h) => h.trim().toLowerCase())
  return hops[hops.length - 1] === 'https'
}

export function cookieOptions(c: Context, trustProxy: number, maxAgeSeconds?: number): CookieOptions {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: overTls(c, trustProxy),
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  }
}

/** Constant-time comparison of a presented CSRF token with the expected one. */
export function sameToken(presented: string | undefined, expected: string): boolean {
  if (!presented) return false
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
