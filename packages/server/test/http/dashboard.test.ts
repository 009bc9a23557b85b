import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { addMember, filePetition, PageClient, phaseOf, upload } from './dashboard-support.js'

const ADMIN = 'admin@example.com'
const STAFF = 'staff@example.com'
const XSS = '<script>alert("x")</script>'

describe.each(ENGINES)('dashboard pages on %s', (engine) => {
  let s: TestServer
  let reviewer: PageClient

  const phase = (name: string) => phaseOf(s, name)

  beforeAll(async () => {
    s = await startTestServer(engine)
    await addMember(s, STAFF, ['viewer'])
    await upload(s, [
      { kind: 'customer', id: 'cus_acme', displayName: 'Acme Corp', labels: { plan: 'enterprise' } },
      { kind: 'customer', id: 'cus_evil', displayName: XSS, labels: { plan: XSS } },
    ])
    reviewer = new PageClient(s)
    await reviewer.signIn(ADMIN)
  })
  afterAll(() => s.close())

  it('sends a visitor without a session to sign in, with strict security headers', async () => {
    const anon = new PageClient(s)
    const res = await anon.get('/spaces/default/inbox')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/signin?next=%2Fspaces%2Fdefault%2Finbox')
    const page = await anon.get('/signin')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('cache-control')).toBe('no-store')
    // Plain HTTP, and no proxy trusted to say otherwise: no HSTS.
    expect(page.headers.get('strict-transport-security')).toBeNull()
    // The API keeps answering JSON, untouched by the dashboard's middleware.
    const api = await s.app.request('/v1/nowhere')
    expect(api.status).toBe(404)
    expect(api.headers.get('content-security-policy')).toBeNull()
  })

  it('signs in once per code, with an HttpOnly SameSite=Lax cookie (not Secure over plain HTTP)', async () => {
    const user = await s.rt.store.principals.userByEmail(ADMIN)
    const { createSignInCode } = await import('../../src/domain/auth/sign-in.js')
    const code = await createSignInCode(s.rt, user?.id ?? '')
    const browser = new PageClient(s)
    await browser.page(`/signin?code=${code}`)
    const res = await browser.request(
      'POST',
      '/signin',
      { _csrf: browser.csrf ?? '', code },
      // Without OPENINDENT_TRUST_PROXY a forwarded scheme is not believed.
      { 'x-forwarded-proto': 'https' },
    )
    expect(res.status).toBe(303)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('oi_session=')) ?? ''
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    expect(cookie).not.toMatch(/Secure/i)
    const again = new PageClient(s)
    await again.page('/signin')
    const reused = await again.post('/signin', { code })
    expect(reused.status).toBe(401)
    expect(again.cookies.has('oi_session')).toBe(false)
  })

  it('refuses a sign-in form that did not come from the sign-in page', async () => {
    const user = await s.rt.store.principals.userByEmail(ADMIN)
    const { createSignInCode } = await import('../../src/domain/auth/sign-in.js')
    const code = await createSignInCode(s.rt, user?.id ?? '')
    const res = await new PageClient(s).request('POST', '/signin', { code, _csrf: 'forged' })
    expect(res.status).toBe(403)
  })

  it('offers no emailed sign-in link without SMTP, and has no such endpoint', async () => {
    const anon = new PageClient(s)
    const page = await anon.page('/signin')
    expect(page).not.toContain('Email me a sign-in link')
    const res = await anon.post('/signin/email', { email: ADMIN })
    expect(res.status).toBe(404)
  })

  it('rotates the session on sign-in and revokes it on sign-out, on the server', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    const first = browser.cookies.get('oi_session') ?? ''
    await browser.signIn(ADMIN)
    const second = browser.cookies.get('oi_session') ?? ''
    expect(second).not.toBe(first)
    const stale = new PageClient(s)
    stale.cookies.set('oi_session', first)
    expect((await stale.get('/spaces/default/inbox')).status).toBe(303)

    await browser.page('/spaces/default/inbox')
    expect((await browser.post('/signout')).status).toBe(303)
    const kept = new PageClient(s)
    kept.cookies.set('oi_session', second)
    expect((await kept.get('/spaces/default/inbox')).status).toBe(303)
  })

  it('lists a petition in the inbox with who, what, why and "0 of 1 approvals"; attacker text stays text', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_evil' }, `urgent ${XSS}`)
    const html = await reviewer.page('/spaces/default/inbox')
    expect(html).toContain(`id="petition-${name}"`)
    expect(html).toContain(STAFF)
    expect(html).toContain('0 of 1 approval')
    expect(html).toContain('plan: &lt;script&gt;')
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(html).not.toContain(XSS)
    expect(html).not.toMatch(/<script>alert/)
  })

  it('refuses a state change without the CSRF token, and changes nothing', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' }, 'csrf case')
    const path = `/spaces/default/petitions/${name}/approve`
    expect((await reviewer.post(path, { duration: '1h0m0s' }, null)).status).toBe(403)
    expect((await reviewer.post(path, { duration: '1h0m0s' }, 'oi_csrf_wrong')).status).toBe(403)
    // A header from another site's script cannot carry it either: the value must match.
    const viaHeader = await reviewer.request('POST', path, { duration: '1h0m0s' }, { 'x-csrf-token': 'nope' })
    expect(viaHeader.status).toBe(403)
    expect(await phase(name)).toBe('open')
    await reviewer.post(`/spaces/default/petitions/${name}/deny`, { reason: 'cleanup' })
  })

  it('approves for a picked duration through the same use case as the API, audited as the reviewer', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' })
    const page = await reviewer.page(`/spaces/default/petitions/${name}`)
    expect(page).toContain('>Approve</button>')
    expect(page).toMatch(/<option value="1h0m0s" selected="">1h \(default\)/)
    // Durations beyond the rule's maximum (24h for the built-in rule) are not offered.
    expect(page).not.toContain('value="72h0m0s"')
    const res = await reviewer.post(`/spaces/default/petitions/${name}/approve`, { duration: '2h0m0s' })
    expect(res.status).toBe(303)
    const got = await s.call('GET', `/v1/spaces/default/petitions/${name}`)
    const p = (await got.json()) as {
      state: { status: { phase: string }; eventHistory: { event: string; actor?: { email?: string } }[] }
      grants?: { expireTime?: string }[]
    }
    expect(p.state.status.phase).toBe('granted')
    const approve = p.state.eventHistory.find((e) => e.event === 'access/approve')
    expect(approve?.actor?.email).toBe(ADMIN)
    const after = await reviewer.page(`/spaces/default/petitions/${name}`)
    expect(after).not.toContain('>Approve</button>')
    expect(after).toContain('Revoke access')
  })

  it('refuses a duration longer than the rule allows, even when forced', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' }, 'too long')
    await reviewer.page(`/spaces/default/petitions/${name}`)
    const res = await reviewer.post(`/spaces/default/petitions/${name}/approve`, { duration: '720h0m0s' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('longer than the 24h0m0s allowed')
    expect(await phase(name)).toBe('open')
    await reviewer.post(`/spaces/default/petitions/${name}/deny`, { reason: 'too long' })
  })

  it('denies with a reason', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' }, 'deny me')
    await reviewer.page(`/spaces/default/petitions/${name}`)
    const res = await reviewer.post(`/spaces/default/petitions/${name}/deny`, { reason: 'not on call' })
    expect(res.status).toBe(303)
    const html = await reviewer.page(`/spaces/default/petitions/${name}`)
    expect(html).toContain('closed: denied')
    expect(html).toContain('not on call')
  })

  it('does not offer a petitioner their own approval, and refuses it when forced', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' }, 'self')
    const staff = new PageClient(s)
    await staff.signIn(STAFF)
    const inbox = await staff.page('/spaces/default/inbox')
    expect(inbox).not.toContain(`petition-${name}`)
    const page = await staff.page(`/spaces/default/petitions/${name}`)
    expect(page).not.toContain('>Approve</button>')
    expect(page).not.toContain('>Deny</button>')
    expect(page).toContain('Cancel petition')
    const forced = await staff.post(`/spaces/default/petitions/${name}/approve`, { duration: '1h0m0s' })
    expect(forced.status).toBe(403)
    expect(await phase(name)).toBe('open')
    // What a petitioner may do, they can: cancel their own request.
    expect((await staff.post(`/spaces/default/petitions/${name}/close`)).status).toBe(303)
    expect(await phase(name)).toBe('closed')
  })

  it('creates a user access token shown once, which works against the API as the signed-in person', async () => {
    await reviewer.page('/spaces/default/keys')
    const res = await reviewer.post('/spaces/default/keys/user-token')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('export INDENT_SPACE=default')
    const token = /export INDENT_API_TOKEN=([\w.-]+)/.exec(html)?.[1] ?? ''
    expect(token.split('.')).toHaveLength(3)
    const api = await s.call('GET', '/v1/spaces/default/petitions?pageSize=1', { token })
    expect(api.status, await api.clone().text()).toBe(200)
    const audit = await s.call('GET', '/v1/spaces/default/events?event=token/create')
    expect(await audit.text()).toContain(ADMIN)
    // Shown once: the keys page does not show it again.
    expect(await reviewer.page('/spaces/default/keys')).not.toContain(token)
  })

  it('lands a link from a notification on its petition, through sign-in when needed, and only on this site', async () => {
    const name = await filePetition(s, STAFF, { kind: 'customer', id: 'cus_acme' }, 'from an email')
    const link = await reviewer.get(`/petitions/${name}`)
    expect(link.status).toBe(303)
    expect(link.headers.get('location')).toBe(`/spaces/default/petitions/${name}`)
    expect((await reviewer.get('/petitions/000000000000')).status).toBe(404)

    const user = await s.rt.store.principals.userByEmail(ADMIN)
    const { createSignInCode } = await import('../../src/domain/auth/sign-in.js')
    const anon = new PageClient(s)
    const first = await anon.get(`/petitions/${name}`)
    const signin = first.headers.get('location') ?? ''
    expect(signin).toBe(`/signin?next=${encodeURIComponent(`/petitions/${name}`)}`)
    const form = await anon.page(signin)
    expect(form).toContain(`name="next" value="/petitions/${name}"`)
    const done = await anon.post('/signin', {
      code: await createSignInCode(s.rt, user?.id ?? ''),
      next: `/petitions/${name}`,
    })
    expect(done.headers.get('location')).toBe(`/petitions/${name}`)

    const elsewhere = new PageClient(s)
    await elsewhere.page('/signin')
    const offsite = await elsewhere.post('/signin', {
      code: await createSignInCode(s.rt, user?.id ?? ''),
      next: '//evil.example.com/x',
    })
    expect(offsite.headers.get('location')).toBe('/')
    await reviewer.page(`/spaces/default/petitions/${name}`)
    await reviewer.post(`/spaces/default/petitions/${name}/deny`, { reason: 'cleanup' })
  })

  it('answers a space the person is not in as not found', async () => {
    const res = await reviewer.get('/spaces/elsewhere/inbox')
    expect(res.status).toBe(404)
  })
})

describe.each(ENGINES)('dashboard cookies behind a trusted proxy on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine, { env: { OPENINDENT_TRUST_PROXY: '1' } })
  })
  afterAll(() => s.close())

  it('marks the session cookie Secure when the proxy says the browser used TLS, not otherwise', async () => {
    const user = await s.rt.store.principals.userByEmail(ADMIN)
    const { createSignInCode } = await import('../../src/domain/auth/sign-in.js')
    const sessionCookie = async (proto: string) => {
      const code = await createSignInCode(s.rt, user?.id ?? '')
      const browser = new PageClient(s)
      await browser.page('/signin')
      const res = await browser.request(
        'POST',
        '/signin',
        { _csrf: browser.csrf ?? '', code },
        { 'x-forwarded-proto': proto },
      )
      expect(res.status).toBe(303)
      return res.headers.getSetCookie().find((c) => c.startsWith('oi_session=')) ?? ''
    }
    expect(await sessionCookie('https')).toMatch(/;\s*Secure/i)
    expect(await sessionCookie('http')).not.toMatch(/Secure/i)
    const overTls = await s.app.request('/signin', { headers: { 'x-forwarded-proto': 'https' } })
    expect(overTls.headers.get('strict-transport-security')).toMatch(/max-age=\d+/)
    expect((await s.app.request('/signin')).headers.get('strict-transport-security')).toBeNull()
  })
})
