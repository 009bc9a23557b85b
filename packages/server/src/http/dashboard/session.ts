import type { MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { accessSpace } from '../../domain/auth/authenticate.js'
import { sessionUser } from '../../domain/sessions/sessions.js'
import type { AppDeps } from '../deps.js'
import type { DashEnv } from './env.js'
import { sameToken } from './security.js'

export const SESSION_COOKIE = 'oi_session'
export const CSRF_FIELD = '_csrf'
export const CSRF_HEADER = 'x-csrf-token'

/** Pages need a session: without one, the browser is sent to sign in. */
export function requireSession(deps: AppDeps): MiddlewareHandler<DashEnv> {
  return async (c, next) => {
    const secret = getCookie(c, SESSION_COOKIE)
    const found = secret ? await sessionUser(deps, secret) : undefined
    if (!secret || !found) {
      // htmx follows this header instead of swapping a sign-in page into a fragment.
      if (c.req.header('hx-request')) return c.body(null, 401, { 'hx-redirect': '/signin' })
      if (c.req.method !== 'GET') return c.text('sign in first', 401)
      // Back to the page asked for once signed in: a link from an email or chat lands where it points.
      const back = `${c.req.path}${new URL(c.req.url).search}`
      return c.redirect(back === '/' ? '/signin' : `/signin?next=${encodeURIComponent(back)}`, 303)
    }
    c.set('user', found.user)
    c.set('session', found.session)
    c.set('sessionSecret', secret)
    await next()
  }
}

/**
 * Every state change carries the session's CSRF token, as a form field or (htmx) a header; without
 * it the request is refused before anything runs. SameSite=Lax already keeps the cookie off most
 * cross-site posts; the token also covers same-site attackers and older browsers.
 */
export function requireCsrf(): MiddlewareHandler<DashEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    let presented = c.req.header(CSRF_HEADER)
    if (
      !presented &&
      /^application\/x-www-form-urlencoded|^multipart\/form-data/i.test(c.req.header('content-type') ?? '')
    ) {
      const form = await c.req.parseBody()
      const v = form[CSRF_FIELD]
      presented = typeof v === 'string' ? v : undefined
    }
    if (!sameToken(presented, c.get('session').csrfToken)) {
      return c.html(forbiddenPage(), 403)
    }
    await next()
  }
}

function forbiddenPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title><link rel="stylesheet" href="/assets/pico.css"></head><body><main><h1>Refused</h1><p>This form was not sent from a page of this dashboard (its security token is missing or stale). Nothing was changed. Go back, reload the page and try again.</p></main></body></html>`
}

/** Pages under /spaces/:space: the person's access there, as the API computes it (a stranger gets 404). */
export function requireSpace(deps: AppDeps): MiddlewareHandler<DashEnv> {
  return async (c, next) => {
    const access = await accessSpace(deps, { type: 'user', user: c.get('user') }, c.req.param('space') ?? '')
    c.set('access', access)
    await next()
  }
}

/** Where to go after signing in: only a path on this site (never `//host` or a full URL). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/'
}
