import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { sessionUser } from '../../src/domain/sessions/sessions.js'
import { signInVerified } from '../../src/domain/sessions/single-sign-on.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

describe.each(ENGINES)('single sign-on decisions on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const refuse = { space: 'default', defaultRole: undefined }

  it('signs in a person known here, whatever the default role', async () => {
    const session = await signInVerified(s.rt, { email: 'Admin@Example.com', emailVerified: true }, refuse)
    expect((await sessionUser(s.rt, session.secret))?.user.email).toBe('admin@example.com')
  })

  it('refuses a new person when no default role is configured, and adds no one', async () => {
    await expect(
      signInVerified(s.rt, { email: 'new@example.com', emailVerified: true }, refuse),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    expect(await s.rt.store.principals.userByEmail('new@example.com')).toBeUndefined()
  })

  it('refuses an unverified or missing email even for a known person', async () => {
    const policy = { space: 'default', defaultRole: 'editor' as const }
    await expect(
      signInVerified(s.rt, { email: 'admin@example.com', emailVerified: false }, policy),
    ).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
    await expect(
      signInVerified(s.rt, { email: undefined, emailVerified: true }, policy),
    ).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
    })
  })

  it('adds a new person with the default role, audited as single sign-on', async () => {
    await signInVerified(
      s.rt,
      { email: 'joiner@example.com', emailVerified: true, name: 'Jo' },
      {
        space: 'default',
        defaultRole: 'viewer',
      },
    )
    const res = await s.call('GET', '/v1/spaces/default/events?event=member/update')
    const events = await res.text()
    expect(res.status, events).toBe(200)
    expect(events).toContain('joiner@example.com')
    expect(events).toContain('single sign-on')
    const members = await (await s.call('GET', '/v1/spaces/default/members')).text()
    expect(members).toContain('joiner@example.com')
  })
})

describe('single sign-on settings', () => {
  it('takes all three of issuer, client id and secret, or none', () => {
    const base = { OPENINDENT_OIDC_ISSUER: 'https://id.example.com' }
    expect(() => loadConfig({}, base)).toThrow(/OPENINDENT_OIDC_CLIENT_ID/)
    const full = loadConfig(
      {},
      {
        ...base,
        OPENINDENT_OIDC_CLIENT_ID: 'c',
        OPENINDENT_OIDC_CLIENT_SECRET: 's',
        OPENINDENT_OIDC_DEFAULT_ROLE: 'viewer',
      },
    )
    expect(full.oidc).toEqual({
      issuer: 'https://id.example.com',
      clientId: 'c',
      clientSecret: 's',
      defaultRole: 'viewer',
    })
    expect(loadConfig({}, {}).oidc).toBeUndefined()
    expect(() => loadConfig({}, { ...base, OPENINDENT_OIDC_DEFAULT_ROLE: 'owner' })).toThrow(/DEFAULT_ROLE/)
  })
})
