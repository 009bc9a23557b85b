import { decodeJwt, importJWK, type JWK, SignJWT } from 'jose'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createApp } from '../../src/http/app.js'
import { openRuntime } from '../../src/runtime.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, userToken } from './support.js'

const PUBLIC_URL = 'https://access.example.com'
const HOUR = 3600

describe.each(ENGINES)('user access tokens (JWT claims) on %s', (engine) => {
  let s: TestServer
  let ownKey: Awaited<ReturnType<typeof importJWK>>
  let adminId: string
  const now = () => Math.floor(s.clock.now() / 1000)

  beforeAll(async () => {
    s = await startTestServer(engine, { env: { OPENINDENT_PUBLIC_URL: `${PUBLIC_URL}/` } })
    const stored = await s.rt.store.settings.get('user_token_signing_key')
    ownKey = await importJWK(JSON.parse(stored ?? '{}') as JWK, 'ES256')
    adminId = (await s.rt.store.principals.userByEmail(s.boot.adminEmail))?.id ?? ''
  })
  afterAll(() => s.close())

  /** A token signed with the server's own key, so that only its claims can be wrong. */
  function forge(o: { iss?: string; aud?: string | null; iat?: number | null; exp?: number | null }) {
    const jwt = new SignJWT({ uid: adminId, email: s.boot.adminEmail })
      .setProtectedHeader({ alg: 'ES256', kid: s.rt.signer.publicJwk.kid ?? '', typ: 'JWT' })
      .setIssuer(o.iss ?? PUBLIC_URL)
      .setSubject(s.boot.adminEmail)
    if (o.aud !== null) jwt.setAudience(o.aud ?? PUBLIC_URL)
    if (o.iat !== null) jwt.setIssuedAt(o.iat ?? now())
    if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + HOUR)
    return jwt.sign(ownKey)
  }
  const status = async (token: string) => (await s.call('GET', '/v1/spaces', { token })).status

  it('names this instance (OPENINDENT_PUBLIC_URL, without a trailing slash) as issuer and audience, and expires', async () => {
    const token = await userToken(s, s.boot.adminEmail)
    const claims = decodeJwt(token)
    expect(claims).toMatchObject({ iss: PUBLIC_URL, aud: PUBLIC_URL, sub: s.boot.adminEmail, iat: now() })
    expect(claims.exp).toBe(now() + HOUR)
    expect(claims.jti).toMatch(/^jti_/)
    expect(await status(token)).toBe(200)
    // The control for every refusal below: a forged token with the right claims is accepted.
    expect(await status(await forge({}))).toBe(200)
  })

  it('a token without exp is refused, however it is signed', async () => {
    const body = await expectError(
      await s.call('GET', '/v1/spaces', { token: await forge({ exp: null }) }),
      401,
      'UNAUTHENTICATED',
    )
    expect(body.message).not.toMatch(/exp/)
    expect(await status(await forge({ iat: null }))).toBe(401)
  })

  it('a token for another audience, or none, or from another issuer is refused', async () => {
    for (const token of [
      await forge({ aud: 'https://other.example.com' }),
      await forge({ aud: null }),
      await forge({ iss: 'https://other.example.com' }),
      await forge({ iss: 'openindent', aud: 'openindent' }),
    ]) {
      await expectError(await s.call('GET', '/v1/spaces', { token }), 401, 'UNAUTHENTICATED')
    }
  })

  it('a token that lives longer than the maximum (24 h by default) is refused even before it expires', async () => {
    expect(await status(await forge({ exp: now() + 24 * HOUR }))).toBe(200)
    const body = await expectError(
      await s.call('GET', '/v1/spaces', { token: await forge({ exp: now() + 24 * HOUR + 1 }) }),
      401,
      'UNAUTHENTICATED',
    )
    expect(body.message).toMatch(/longer/)
    // Backdating iat to stay under the maximum still has to stay under it.
    expect(await status(await forge({ iat: now() - 30 * HOUR, exp: now() + HOUR }))).toBe(401)
  })

  it('a token issued in the future (past a minute of clock skew) is refused', async () => {
    expect(await status(await forge({ iat: now() + 30 }))).toBe(200)
    const body = await expectError(
      await s.call('GET', '/v1/spaces', { token: await forge({ iat: now() + 120 }) }),
      401,
      'UNAUTHENTICATED',
    )
    expect(body.message).toMatch(/future/)
  })

  it('the server will not sign a token longer than the maximum', async () => {
    await expect(userToken(s, s.boot.adminEmail, 24 * HOUR + 1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('changing OPENINDENT_PUBLIC_URL invalidates outstanding tokens; a shorter maximum shortens sign-in tokens', async () => {
    const token = await userToken(s, s.boot.adminEmail)
    const config = loadConfig(
      { databaseUrl: s.db.databaseUrl, dataDir: s.db.dataDir },
      {
        LOG_LEVEL: 'silent',
        OPENINDENT_PUBLIC_URL: 'https://moved.example.com',
        OPENINDENT_USER_TOKEN_MAX_LIFETIME: '15m',
      },
    )
    const moved = await openRuntime(config, { clock: s.clock, logger: pino({ level: 'silent' }) })
    try {
      const app = createApp(moved)
      const get = (t: string) => app.request('/v1/spaces', { headers: { authorization: `Bearer ${t}` } })
      await expectError(await get(token), 401, 'UNAUTHENTICATED')
      const own = await moved.signer.sign({ email: s.boot.adminEmail, userId: adminId }, 900)
      expect((await get(own)).status).toBe(200)
      // Sign-in hands out at most the maximum lifetime.
      const user = await moved.store.principals.userByEmail(s.boot.adminEmail)
      const { createSignInCode } = await import('../../src/domain/auth/sign-in.js')
      const code = await createSignInCode(moved, user?.id ?? '')
      const res = await app.request('/v1/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grantType: 'signInCode', code }),
      })
      expect(res.status).toBe(200)
      const out = (await res.json()) as { accessToken: string; expiresIn: number }
      expect(out.expiresIn).toBe(900)
      const claims = decodeJwt(out.accessToken)
      expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900)
      expect(claims.iss).toBe('https://moved.example.com')
    } finally {
      await moved.close()
    }
  })
})
