import { pino } from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { emailSignInLink } from '../../src/domain/auth/sign-in-email.js'
import { openRuntime } from '../../src/runtime.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { readable, startSmtp } from '../helpers/smtp.js'
import { adminToken, spaceId } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const MIN = 60_000
const HOUR = 60 * MIN

describe.each(ENGINES)('reviewer reach rules and requester notices, on %s', (engine) => {
  let s: TestServer
  let smtp: Awaited<ReturnType<typeof startSmtp>>
  let seq = 0

  beforeAll(async () => {
    smtp = await startSmtp()
    s = await startTestServer(engine, {
      env: {
        OPENINDENT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        OPENINDENT_PUBLIC_URL: 'https://access.example.com',
      },
    })
    for (const [name, rule] of [
      ['tickets', { selector: { kind: 'ticket' }, approvers: { role: 'editor' }, pendingTimeout: '2h' }],
      [
        'vaults',
        {
          selector: { kind: 'vault' },
          approvers: { role: 'editor' },
          notify: { escalateAfter: '30m', escalateTo: ['boss@example.com', 'Alice@example.com'] },
        },
      ],
    ] as const) {
      const res = await s.call('POST', `${base}/approvalRules`, { body: { name, rule } })
      expect(res.status).toBe(201)
    }
  })
  afterAll(async () => {
    await s.close()
    await smtp.close()
  })
  beforeEach(async () => {
    s.clock.advance(1000)
    // Whatever earlier tests left due is sent and forgotten before each test looks.
    await s.rt.reach.runOnce()
    await s.rt.outbox.drain()
    smtp.mails.length = 0
  })

  async function open(kind: string): Promise<string> {
    seq += 1
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: {
        petitioners: [alice],
        resources: [{ kind, id: `r${seq}`, displayName: `Thing ${seq}` }],
        reason: 'on call',
      },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }

  async function phase(petition: string): Promise<string> {
    const res = await s.call('GET', `${base}/petitions/${petition}`)
    return ((await res.json()) as { state: { status: { phase: string } } }).state.status.phase
  }

  const subjects = () =>
    smtp.mails.map((m) => `${m.to.join(',')}: ${/Subject: (.*)/.exec(readable(m.raw))?.[1]}`)

  async function approve(petition: string): Promise<void> {
    const res = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(res.status).toBe(200)
    await s.rt.outbox.drain()
    smtp.mails.length = 0
  }

  it('tells the requester ten minutes before their access ends, once, and again when it has expired', async () => {
    const petition = await open('customer')
    await approve(petition) // the default rule: 1h
    s.clock.advance(45 * MIN)
    await s.rt.reach.runOnce()
    await s.rt.outbox.drain()
    expect(smtp.mails).toHaveLength(0)

    s.clock.advance(10 * MIN)
    expect((await s.rt.reach.runOnce()).expiring).toBe(1)
    await s.rt.outbox.drain()
    expect(subjects()).toEqual([`alice@example.com: Access expiring soon: Thing ${seq}`])
    expect(readable(smtp.mails[0]?.raw ?? '')).toContain(`https://access.example.com/petitions/${petition}`)
    expect((await s.rt.reach.runOnce()).expiring).toBe(0)

    smtp.mails.length = 0
    s.clock.advance(6 * MIN)
    await s.rt.expiry.runOnce()
    await s.rt.outbox.drain()
    expect(await phase(petition)).toBe('closed')
    expect(subjects()).toEqual([`alice@example.com: Access expired: Thing ${seq}`])
  })

  it("closes an open petition after its rule's pendingTimeout, audited, and tells the requester", async () => {
    const petition = await open('ticket')
    await s.rt.outbox.drain()
    smtp.mails.length = 0
    s.clock.advance(HOUR + 59 * MIN)
    expect((await s.rt.reach.runOnce()).timedOut).toBe(0)
    expect(await phase(petition)).toBe('open')

    s.clock.advance(MIN)
    expect((await s.rt.reach.runOnce()).timedOut).toBe(1)
    expect(await phase(petition)).toBe('closed')
    const events = await s.rt.store.audit.petitionEvents(await spaceId(s, 'default'), [petition], {
      only: ['petition/close'],
    })
    expect(events.map((e) => e.event)).toMatchObject([
      { actor: { id: 'system' }, reason: 'no decision within 2h' },
    ])
    await s.rt.outbox.drain()
    expect(subjects()).toEqual([`alice@example.com: Access request closed without a decision: Thing ${seq}`])
    // Closed already: a decision now is refused, and a second pass does nothing.
    expect((await s.rt.reach.runOnce()).timedOut).toBe(0)
    const late = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(late.status).toBe(409)
  })

  it('closes petitions under rules without a pendingTimeout after 24 hours', async () => {
    const petition = await open('customer')
    s.clock.advance(23 * HOUR)
    await s.rt.reach.runOnce()
    expect(await phase(petition)).toBe('open')
    s.clock.advance(HOUR)
    await s.rt.reach.runOnce()
    expect(await phase(petition)).toBe('closed')
  })

  it('mails the escalation reviewers once after escalateAfter, never the petitioner', async () => {
    const petition = await open('vault')
    await s.rt.outbox.drain()
    smtp.mails.length = 0
    s.clock.advance(29 * MIN)
    expect((await s.rt.reach.runOnce()).escalated).toBe(0)
    s.clock.advance(2 * MIN)
    expect((await s.rt.reach.runOnce()).escalated).toBe(1)
    await s.rt.outbox.drain()
    expect(subjects()).toEqual([`boss@example.com: Waiting for 31m: alice@example.com asks for Thing ${seq}`])
    expect(readable(smtp.mails[0]?.raw ?? '')).toContain(`https://access.example.com/petitions/${petition}`)
    expect((await s.rt.reach.runOnce()).escalated).toBe(0)
  })

  it('with two instances on one database, a request waiting too long is escalated and mailed once', async () => {
    const other = await openRuntime(s.rt.config, { clock: s.clock, logger: pino({ level: 'silent' }) })
    // Several instances share PostgreSQL; SQLite has one writer process, so there they take turns.
    const both = async <T>(a: () => Promise<T>, b: () => Promise<T>): Promise<T[]> =>
      engine === 'postgres' ? Promise.all([a(), b()]) : [await a(), await b()]
    try {
      await open('vault')
      await s.rt.outbox.drain()
      smtp.mails.length = 0
      s.clock.advance(31 * MIN)
      const reports = await both(
        () => s.rt.reach.runOnce(),
        () => other.reach.runOnce(),
      )
      expect(reports.reduce((n, r) => n + r.escalated, 0)).toBe(1)
      // The lease ran out: both look again, and the notice already recorded stops a second email.
      s.clock.advance(MIN)
      const again = await both(
        () => other.reach.runOnce(),
        () => s.rt.reach.runOnce(),
      )
      expect(again.reduce((n, r) => n + r.escalated, 0)).toBe(0)
      await both(
        () => s.rt.outbox.drain(),
        () => other.outbox.drain(),
      )
      expect(subjects().filter((m) => m.startsWith('boss@example.com'))).toHaveLength(1)
    } finally {
      await other.close()
    }
  })

  it('refuses a rule with a pendingTimeout or escalateAfter that is not a positive duration, saving nothing', async () => {
    for (const [extra, param] of [
      [{ pendingTimeout: '0s' }, 'rule.pendingTimeout'],
      [{ notify: { escalateAfter: 'soon' } }, 'rule.notify.escalateAfter'],
    ] as const) {
      const res = await s.call('POST', `${base}/approvalRules`, {
        body: { name: 'broken', rule: { approvers: { role: 'editor' }, ...extra } },
      })
      expect(res.status).toBe(400)
      const { error } = (await res.json()) as { error: { code: string; param?: string; requestId: string } }
      expect(error.code).toBe('INVALID_ARGUMENT')
      expect(error.requestId).toBeTruthy()
      expect(error.param).toBe(param)
    }
    const list = await s.call('GET', `${base}/approvalRules`)
    const names = ((await list.json()) as { approvalRules: { name: string }[] }).approvalRules.map(
      (r) => r.name,
    )
    expect(names).not.toContain('broken')
  })

  it('answers 404 with the envelope at the Slack endpoint when Slack is not configured', async () => {
    const res = await s.call('POST', '/slack/interactivity', {
      token: null,
      rawBody: 'payload=%7B%7D',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND')
  })

  it('mails a one-time sign-in link that works once, withheld from delivery listings', async () => {
    expect(await emailSignInLink(s.rt, 'nobody@example.com', 'https://access.example.com')).toBe(false)
    expect(await emailSignInLink(s.rt, s.boot.adminEmail.toUpperCase(), 'https://access.example.com')).toBe(
      true,
    )
    await s.rt.outbox.drain()
    expect(smtp.mails.map((m) => m.to)).toEqual([[s.boot.adminEmail]])
    const text = readable(smtp.mails[0]?.raw ?? '')
    const code = /https:\/\/access\.example\.com\/signin\?code=([A-Za-z0-9_%.-]+)/.exec(text)?.[1]
    expect(code).toBeDefined()
    // The link opens the dashboard's sign-in page with the code filled in (a click spends it).
    const page = await s.call('GET', `/signin?code=${code}`, { token: null })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(decodeURIComponent(code ?? 'missing'))
    const listed = await s.call('GET', `${base}/deliveries`)
    expect(await listed.text()).not.toContain(code ?? 'missing')

    const trade = (c: string) =>
      s.call('POST', '/v1/auth/token', { token: null, body: { grantType: 'signInCode', code: c } })
    const first = await trade(decodeURIComponent(code ?? ''))
    expect(first.status).toBe(200)
    expect(((await first.json()) as { accessToken: string }).accessToken).toMatch(/^ey/)
    expect((await trade(decodeURIComponent(code ?? ''))).status).toBe(401)
  })
})
