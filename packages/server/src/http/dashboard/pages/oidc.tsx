/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import * as oidc from 'openid-client'
import { SESSION_TTL_MS } from '../../../domain/sessions/sessions.js'
import { signInVerified } from '../../../domain/sessions/single-sign-on.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { cookieOptions } from '../security.js'
import { SESSION_COOKIE, safeNext } from '../session.js'

/** The PKCE verifier, state and nonce of one sign-in in flight, for ten minutes. */
const FLIGHT_COOKIE = 'oi_oidc'
const FLIGHT_SECONDS = 600

interface Flight {
  verifier: string
  state: string
  nonce: string
  /** The page asked for before signing in: a path on this site (checked again on the way back). */
  next: string
}

function readFlight(value: string | undefined): Flight | undefined {
  if (!value) return undefined
  try {
    const f = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flight>
    if (typeof f.verifier === 'string' && typeof f.state === 'string' && typeof f.nonce === 'string') {
      return { verifier: f.verifier, state: f.state, nonce: f.nonce, next: safeNext(f.next) }
    }
  } catch {
    // an unreadable cookie is a sign-in that did not start here
  }
  return undefined
}

/**
 * Single sign-on with an OpenID provider: authorization code with PKCE, state and nonce, through
 * openid-client. Who signed in is decided by the domain (verified emails only; see single-sign-on.ts).
 */
export function mountOidc(app: Hono<DashEnv>, deps: AppDeps): void {
  const settings = deps.options.oidc
  if (!settings) return
  const trust = deps.options.trustProxy
  // Discovered on first use, not at start: a provider that is down must not keep the server down.
  let discovered: Promise<oidc.Configuration> | undefined
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        undefined,
        // Plain HTTP only when the operator configured a plain-HTTP issuer (a provider on localhost).
        settings.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined
        throw err
      })
    return discovered
  }
  const callbackUrl = (c: Context) =>
    `${deps.options.publicUrl ?? new URL(c.req.url).origin}/signin/oidc/callback`

  app.get('/signin/oidc', async (c) => {
    const config = await configuration()
    const flight: Flight = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      next: safeNext(c.req.query('next')),
    }
    const encoded = Buffer.from(JSON.stringify(flight)).toString('base64url')
    setCookie(c, FLIGHT_COOKIE, encoded, cookieOptions(c, trust, FLIGHT_SECONDS))
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callbackUrl(c),
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(flight.verifier),
      code_challenge_method: 'S256',
      state: flight.state,
      nonce: flight.nonce,
    })
    return c.redirect(url.href, 302)
  })

  app.get('/signin/oidc/callback', async (c) => {
    const flight = readFlight(getCookie(c, FLIGHT_COOKIE))
    deleteCookie(c, FLIGHT_COOKIE, { path: '/' })
    const failed = (why: string) =>
      c.html(
        <Layout title="Sign-in failed">
          <h1>Sign-in failed</h1>
          <p>{why}</p>
          <p>
            <a href="/signin">Try again</a>
          </p>
        </Layout>,
        401,
      )
    if (!flight) return failed('This sign-in did not start in this browser, or took longer than ten minutes.')
    const config = await configuration()
    let claims: { email?: unknown; email_verified?: unknown; name?: unknown }
    try {
      const current = new URL(`${callbackUrl(c)}${new URL(c.req.url).search}`)
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flight.verifier,
        expectedState: flight.state,
        expectedNonce: flight.nonce,
        idTokenExpected: true,
      })
      const idClaims = tokens.claims()
      // Providers put email claims in the ID token or only behind the userinfo endpoint.
      const info = await oidc.fetchUserInfo(
        config,
        tokens.access_token,
        idClaims?.sub ?? oidc.skipSubjectCheck,
      )
      claims = { ...idClaims, ...info }
    } catch (err) {
      c.get('logger')?.info({ err: (err as Error).message }, 'single sign-on refused')
      return failed('The identity provider did not confirm who you are.')
    }
    const session = await signInVerified(
      deps,
      {
        email: typeof claims.email === 'string' ? claims.email : undefined,
        emailVerified: claims.email_verified === true,
        name: typeof claims.name === 'string' ? claims.name : undefined,
      },
      { space: settings.space, defaultRole: settings.defaultRole },
      getCookie(c, SESSION_COOKIE),
    )
    setCookie(c, SESSION_COOKIE, session.secret, cookieOptions(c, trust, SESSION_TTL_MS / 1000))
    return c.redirect(flight.next, 303)
  })
}
