/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto'
import { emailProblem, normalizeEmailAddress } from '@openindent/contract'
import type { Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { type Attempt, identityOf } from '../../../domain/auth/attempts.js'
import { emailSignInLink } from '../../../domain/auth/sign-in-email.js'
import { endSession, SESSION_TTL_MS, signInWithCode } from '../../../domain/sessions/sessions.js'
import { clientAddress } from '../../client-address.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { cookieOptions, sameToken } from '../security.js'
import { CSRF_FIELD, requireCsrf, requireSession, SESSION_COOKIE, safeNext } from '../session.js'

/** Before a session exists, the sign-in form is protected by a double-submit token in its own cookie. */
const SIGNIN_COOKIE = 'oi_signin'

interface SignInProps {
  code: string
  token: string
  sso: boolean
  /** Whether the page offers to email a sign-in link (SMTP is configured). */
  email: boolean
  next: string
  error?: string
  /** Said after a link was asked for: the same words whether or not the address is a member's. */
  sent?: string
}

function SignInPage(props: SignInProps) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {props.error ? (
        <p role="alert" class="notice">
          {props.error}
        </p>
      ) : null}
      {props.sent ? (
        <p role="status" class="notice">
          {props.sent}
        </p>
      ) : null}
      <form method="post" action="/signin">
        <input type="hidden" name={CSRF_FIELD} value={props.token} />
        <input type="hidden" name="next" value={props.next} />
        <label for="code">One-time sign-in code</label>
        <input
          id="code"
          name="code"
          type="password"
          autocomplete="one-time-code"
          required
          value={props.code}
          aria-describedby="code-help"
        />
        <small id="code-help">
          Printed by the server on its first start, or made on the server's host with{' '}
          <code>openindent signin-link --email you@example.com</code>. Each code works once.
        </small>
        <button type="submit">Sign in</button>
      </form>
      {props.email ? (
        <form method="post" action="/signin/email">
          <input type="hidden" name={CSRF_FIELD} value={props.token} />
          <label for="email">Or have a sign-in link emailed to you</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength={320} />
          <button type="submit" class="secondary">
            Email me a sign-in link
          </button>
        </form>
      ) : null}
      {props.sso ? (
        <p>
          <a
            href={props.next === '/' ? '/signin/oidc' : `/signin/oidc?next=${encodeURIComponent(props.next)}`}
          >
            Sign in with single sign-on
          </a>
        </p>
      ) : null}
    </Layout>
  )
}

function refused(c: Context<DashEnv>) {
  return c.html(
    <Layout title="Refused">
      <h1>Refused</h1>
      <p>This sign-in form did not come from this dashboard. Nothing was changed.</p>
      <p>
        <a href="/signin">Sign in</a>
      </p>
    </Layout>,
    403,
  )
}

export function mountSignIn(app: Hono<DashEnv>, deps: AppDeps): void {
  const trust = deps.options.trustProxy
  const sso = deps.options.oidc !== undefined
  const emailing = deps.options.emailSignIn
  const email = emailing !== undefined
  // A link only fills the form: signing in takes a click, so a mail scanner that fetches links
  // cannot spend the code.
  app.get('/signin', (c) => {
    const token = randomBytes(24).toString('base64url')
    setCookie(c, SIGNIN_COOKIE, token, cookieOptions(c, trust, 3600))
    return c.html(
      <SignInPage
        code={c.req.query('code') ?? ''}
        token={token}
        sso={sso}
        email={email}
        next={safeNext(c.req.query('next'))}
      />,
    )
  })

  app.post('/signin', async (c) => {
    const form = await c.req.parseBody()
    const code = typeof form.code === 'string' ? form.code.trim() : ''
    const presented = typeof form[CSRF_FIELD] === 'string' ? (form[CSRF_FIELD] as string) : undefined
    const expected = getCookie(c, SIGNIN_COOKIE)
    if (!expected || !sameToken(presented, expected)) return refused(c)
    const attempt: Attempt = { kind: 'signIn', address: clientAddress(c, trust), identity: identityOf(code) }
    // The same limits as the API's code exchange: a blocked client cannot try (or spend) codes here.
    await deps.attempts.admit(attempt)
    try {
      const session = await signInWithCode(deps, code, getCookie(c, SESSION_COOKIE))
      deleteCookie(c, SIGNIN_COOKIE, { path: '/' })
      setCookie(c, SESSION_COOKIE, session.secret, cookieOptions(c, trust, SESSION_TTL_MS / 1000))
      return c.redirect(safeNext(form.next), 303)
    } catch (err) {
      if ((err as { code?: string }).code !== 'UNAUTHENTICATED') throw err
      await deps.attempts.failed(attempt)
      return c.html(
        <SignInPage
          code=""
          token={expected}
          sso={sso}
          email={email}
          next={safeNext(form.next)}
          error="That code is not valid, was used already, or expired."
        />,
        401,
      )
    }
  })

  // Answers alike, in words and in time, whether or not the address is a member's, so the form cannot
  // be used to learn who has an account. Every request counts against the sign-in limits, as a failed code does: each one
  // may send a mail, and nobody needs many.
  app.post('/signin/email', async (c) => {
    if (!emailing) return c.notFound()
    const form = await c.req.parseBody()
    const presented = typeof form[CSRF_FIELD] === 'string' ? (form[CSRF_FIELD] as string) : undefined
    const expected = getCookie(c, SIGNIN_COOKIE)
    if (!expected || !sameToken(presented, expected)) return refused(c)
    const address = typeof form.email === 'string' ? form.email.trim() : ''
    const page = { code: '', token: expected, sso, email, next: '/' }
    if (emailProblem(address)) {
      return c.html(<SignInPage {...page} error="That is not an email address." />, 400)
    }
    const attempt: Attempt = {
      kind: 'signIn',
      address: clientAddress(c, trust),
      identity: identityOf(`email:${normalizeEmailAddress(address)}`),
    }
    await deps.attempts.admit(attempt)
    await deps.attempts.failed(attempt)
    // After the answer is on its way: a member's link costs a transaction a stranger's does not, and
    // waiting for it would let the answer's timing tell them apart. A crash in between loses only this
    // mail; asking again sends another.
    setImmediate(() => {
      emailSignInLink(deps, address, emailing.publicUrl).catch((err: unknown) =>
        deps.logger.error({ err }, 'could not queue an emailed sign-in link'),
      )
    })
    return c.html(
      <SignInPage
        {...page}
        sent="If that address belongs to a member, a sign-in link is on its way. It works once, within 15 minutes."
      />,
    )
  })

  app.post('/signout', requireSession(deps), requireCsrf(), async (c) => {
    await endSession(deps, c.get('sessionSecret'))
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.redirect('/signin', 303)
  })
}
