import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { userToken } from './support.js'

interface Petition {
  name: string
  state: {
    status: { phase: string }
    eventHistory: { event: string; actor?: { id?: string } }[]
    grants?: unknown[]
  }
}
interface Check {
  status: 'granted' | 'waiting' | 'denied'
  petition: Petition
  expireTime?: string
  reason?: string
}

const HOUR = 3_600_000

describe.each(ENGINES)('petitions, claims and the approval check on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default'
  const alicePetitioner = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

  beforeAll(async () => {
    s = await startTestServer(engine)
    const admin = await userToken(s, s.boot.adminEmail)
    for (const [email, roles] of [
      ['bob@example.com', ['editor']],
      ['carol@example.com', ['editor']],
      ['vic@example.com', ['viewer']],
      ['alice@example.com', ['editor']],
    ] as const) {
      const res = await s.call('PUT', `${base}/members/${email}`, {
        token: admin,
        body: { member: { roles } },
      })
      expect(res.status).toBe(200)
    }
    await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          { kind: 'customer', id: 'cus_1', labels: { plan: 'pro' } },
          { kind: 'customer', id: 'cus_2', labels: { plan: 'enterprise' } },
        ],
      },
    })
  })
  afterAll(() => s.close())

  const check = async (customer: string, extra: Record<string, unknown> = {}) => {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alicePetitioner], resources: [{ kind: 'customer', id: customer }], ...extra },
    })
    expect(res.status).toBe(200)
    return (await res.json()) as Check
  }
  // User tokens last an hour and these tests move the clock by hours: each call signs a fresh one.
  const as = (email: string) => () => userToken(s, email)
  const reviewer = as('bob@example.com')
  const viewer = as('vic@example.com')
  const alice = as('alice@example.com')
  const claim = async (petition: string, token: () => Promise<string>, claim: Record<string, unknown>) =>
    s.call('POST', `${base}/petitions/${petition}/claims`, { token: await token(), body: { claim } })

  it('waits, is approved, is granted until it expires exactly once, then asks again', async () => {
    const first = await check('cus_1')
    expect(first.status).toBe('waiting')
    expect(first.petition.state.status.phase).toBe('open')
    expect((await check('cus_1')).petition.name).toBe(first.petition.name)

    const approved = await claim(first.petition.name, reviewer, {
      event: 'access/approve',
      meta: { labels: { 'indent.com/time/duration': '2h' } },
    })
    expect(approved.status).toBe(200)

    const granted = await check('cus_1')
    expect(granted.status).toBe('granted')
    expect(Date.parse(granted.expireTime ?? '')).toBe(s.clock.now() + 2 * HOUR)
    expect(granted.petition.state.eventHistory.map((e) => e.event)).toEqual([
      'access/request',
      'access/approve',
      'access/grant',
    ])

    s.clock.advance(2 * HOUR + 1)
    expect(await s.rt.expiry.runOnce()).toBe(1)
    expect(await s.rt.expiry.runOnce()).toBe(0)
    const after = await (await s.call('GET', `${base}/petitions/${first.petition.name}`)).json()
    expect((after as Petition).state.status.phase).toBe('closed')
    expect((after as { state: { outcome?: string } }).state.outcome).toBe('expired')
    const revoke = (after as Petition).state.eventHistory.at(-1)
    expect(revoke?.event).toBe('access/revoke')
    expect(revoke?.actor?.id).toBe('system')

    const again = await check('cus_1')
    expect(again.status).toBe('waiting')
    expect(again.petition.name).not.toBe(first.petition.name)
  })

  it('a denial is remembered for the denial window, then a new petition opens', async () => {
    const first = await check('cus_2')
    const res = await claim(first.petition.name, reviewer, { event: 'access/deny', reason: 'not on call' })
    expect(res.status).toBe(200)
    const denied = await check('cus_2')
    expect(denied.status).toBe('denied')
    expect(denied.reason).toBe('not on call')
    s.clock.advance(16 * 60_000)
    const fresh = await check('cus_2')
    expect(fresh.status).toBe('waiting')
    expect(fresh.petition.name).not.toBe(first.petition.name)
  })

  it('refuses self-approval, non-reviewers, durations over the maximum and claims on decided petitions', async () => {
    const { petition } = await check('cus_3')
    const before = (await (await s.call('GET', `${base}/petitions/${petition.name}`)).json()) as Petition
    expect((await claim(petition.name, alice, { event: 'access/approve' })).status).toBe(403)
    expect((await claim(petition.name, viewer, { event: 'access/approve' })).status).toBe(403)
    expect((await claim(petition.name, viewer, { event: 'access/deny' })).status).toBe(403)
    const long = await claim(petition.name, reviewer, {
      event: 'access/approve',
      meta: { labels: { 'indent.com/time/duration': '25h' } },
    })
    expect(long.status).toBe(400)
    const forever = await claim(petition.name, reviewer, {
      event: 'access/approve',
      meta: { labels: { 'indent.com/time/indefinite': 'true' } },
    })
    expect(forever.status).toBe(400)
    const unchanged = (await (await s.call('GET', `${base}/petitions/${petition.name}`)).json()) as Petition
    expect(unchanged.state).toEqual(before.state)

    expect((await claim(petition.name, reviewer, { event: 'access/approve' })).status).toBe(200)
    expect((await claim(petition.name, reviewer, { event: 'access/deny' })).status).toBe(409)
    expect((await claim(petition.name, viewer, { event: 'access/revoke' })).status).toBe(403)
    expect((await claim(petition.name, alice, { event: 'access/revoke', reason: 'done' })).status).toBe(200)
    expect((await check('cus_3')).status).toBe('waiting')
  })

  it('a rule needing two approvals needs two distinct reviewers', async () => {
    const admin = await userToken(s, s.boot.adminEmail)
    const rule = await s.call('POST', `${base}/approvalRules`, {
      token: admin,
      body: {
        name: 'enterprise',
        rule: {
          selector: { kind: 'customer', labelSelector: 'plan=enterprise' },
          approvers: { role: 'editor' },
          minApprovals: 2,
          priority: 10,
        },
      },
    })
    expect(rule.status).toBe(201)
    s.clock.advance(HOUR)
    const { petition } = await check('cus_2')
    expect((await claim(petition.name, reviewer, { event: 'access/approve' })).status).toBe(200)
    expect((await claim(petition.name, reviewer, { event: 'access/approve' })).status).toBe(200)
    expect((await check('cus_2')).status).toBe('waiting')
    const carol = as('carol@example.com')
    expect((await claim(petition.name, carol, { event: 'access/approve' })).status).toBe(200)
    expect((await check('cus_2')).status).toBe('granted')
  })

  it('20 concurrent identical checks make one petition', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => check('cus_concurrent')))
    expect(new Set(results.map((r) => r.petition.name)).size).toBe(1)
    const list = (await (
      await s.call('GET', `${base}/petitions?resource=customer/cus_concurrent`)
    ).json()) as {
      petitions: Petition[]
    }
    expect(list.petitions).toHaveLength(1)
  })

  it('a waiting check with a wait is answered by the approval', async () => {
    const { petition } = await check('cus_wait')
    const waiting = check('cus_wait', { wait: 20 })
    await new Promise((r) => setTimeout(r, 50))
    expect((await claim(petition.name, reviewer, { event: 'access/approve' })).status).toBe(200)
    expect((await waiting).status).toBe('granted')
  })

  it('a viewer may ask for itself but not for others', async () => {
    const self = await s.call('POST', `${base}/petitions`, {
      token: await viewer(),
      body: { petition: { resources: [{ kind: 'customer', id: 'cus_1' }], reason: 'debugging' } },
    })
    expect(self.status).toBe(200)
    const other = await s.call('POST', `${base}/approvals:check`, {
      token: await viewer(),
      body: { petitioners: [alicePetitioner], resources: [{ kind: 'customer', id: 'cus_1' }] },
    })
    expect(other.status).toBe(403)
  })
})
