import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError, userToken } from './support.js'

/**
 * The identity cases an attack on the running server found: a person could choose who they are as a
 * petitioner or reviewer. Each case here was accepted before one identity per person.
 */

interface Petition {
  name: string
  petitioners: { kind: string; id?: string; email?: string }[]
  state: { status: { phase: string }; grants?: { expireTime?: string; startTime: string }[] }
}
interface Claim {
  id: string
  event: string
  meta?: { labels?: Record<string, string> }
}

const MINUTE = 60_000

describe.each(ENGINES)('one identity per person, four eyes, stored facts on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default'
  let n = 0
  const unique = (prefix: string) => `${prefix}-${++n}`

  beforeAll(async () => {
    s = await startTestServer(engine)
    const admin = await userToken(s, s.boot.adminEmail)
    for (const [email, roles] of [
      ['dave@example.com', ['editor']],
      ['erin@example.com', ['editor']],
      ['vera@example.com', ['viewer']],
    ] as const) {
      const res = await s.call('PUT', `${base}/members/${email}`, {
        token: admin,
        body: { member: { roles } },
      })
      expect(res.status).toBe(200)
    }
    await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: { resources: [{ kind: 'customer', id: 'known', labels: { plan: 'pro' } }] },
    })
  })
  afterAll(() => s.close())

  const as = (email: string) => () => userToken(s, email)
  const dave = as('dave@example.com')
  const erin = as('erin@example.com')
  const vera = as('vera@example.com')

  async function file(
    token: (() => Promise<string>) | null,
    petitioner: Record<string, string>,
    target: string,
  ) {
    return s.call('POST', `${base}/petitions`, {
      ...(token ? { token: await token() } : {}),
      body: { petition: { petitioners: [petitioner], resources: [{ kind: 'customer', id: target }] } },
    })
  }
  async function filed(
    token: (() => Promise<string>) | null,
    petitioner: Record<string, string>,
    target: string,
  ) {
    const res = await file(token, petitioner, target)
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as Petition
  }
  async function claim(
    name: string,
    token: (() => Promise<string>) | string | undefined,
    body: Record<string, unknown>,
  ) {
    return s.call('POST', `${base}/petitions/${name}/claims`, {
      token: typeof token === 'function' ? await token() : token,
      body: { claim: body },
    })
  }
  async function rule(name: string, spec: Record<string, unknown>) {
    return s.call('POST', `${base}/approvalRules`, { body: { name, rule: spec } })
  }
  async function check(petitioner: Record<string, string>, target: string) {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [petitioner], resources: [{ kind: 'customer', id: target }] },
    })
    expect(res.status).toBe(200)
    return (await res.json()) as { status: string; petition: Petition }
  }

  describe('a reviewer cannot approve their own access by spelling themselves differently', () => {
    for (const [label, petitioner] of [
      ['an id of their own choosing', { kind: 'user', id: 'u_dave', email: 'dave@example.com' }],
      ['upper-case email as the id', { kind: 'user', id: 'DAVE@example.com' }],
      ['kind "User"', { kind: 'User', id: 'dave@example.com' }],
      ['a trailing space', { kind: 'user', id: 'dave@example.com ' }],
    ] as const) {
      it(label, async () => {
        // Filed for dave by the service account (so the filer is not dave): only self-approval stands in the way.
        const p = await filed(null, petitioner, unique('cus'))
        await expectError(await claim(p.name, dave, { event: 'access/approve' }), 403, 'PERMISSION_DENIED')
        const ok = await claim(p.name, erin, { event: 'access/approve' })
        expect(ok.status).toBe(200)
      })
    }

    it('a user named only by an id that is no email is refused: a person is their email', async () => {
      await expectError(
        await file(null, { kind: 'user', id: 'u_dave' }, unique('cus')),
        400,
        'INVALID_ARGUMENT',
        'petitioners.0',
      )
    })
  })

  describe('who may petition for whom', () => {
    it('without petitionAdmin, a viewer asks only for herself, whatever mix of id and email she sends', async () => {
      await expectError(
        await file(vera, { kind: 'user', id: 'u_bob_x', email: 'bob@example.com' }, unique('cus')),
        403,
        'PERMISSION_DENIED',
      )
      const target = unique('cus')
      const p = await filed(vera, { kind: 'user', id: 'u_bob_x', email: 'vera@example.com' }, target)
      // Stored as the server knows her, not under the id she sent.
      expect(p.petitioners).toEqual([{ kind: 'user', id: 'vera@example.com', email: 'vera@example.com' }])
      expect((await claim(p.name, dave, { event: 'access/approve' })).status).toBe(200)
      // Bob's id holds nothing: the grant is Vera's.
      expect((await check({ kind: 'user', id: 'u_bob_x', email: 'bob@example.com' }, target)).status).toBe(
        'waiting',
      )
      expect((await check({ kind: 'USER', id: 'whatever', email: 'Vera@Example.com' }, target)).status).toBe(
        'granted',
      )
    })

    it('with petitionAdmin, anyone may be named; their id and email are kept and the email is who they are', async () => {
      const target = unique('cus')
      const p = await filed(null, { kind: 'user', id: 'u_123', email: 'staff@example.com' }, target)
      expect(p.petitioners).toEqual([{ kind: 'user', id: 'u_123', email: 'staff@example.com' }])
      expect((await claim(p.name, dave, { event: 'access/approve' })).status).toBe(200)
      expect((await check({ kind: 'user', id: 'u_other', email: 'STAFF@example.com' }, target)).status).toBe(
        'granted',
      )
    })
  })

  describe('four eyes', () => {
    beforeAll(async () => {
      const res = await rule('quorum', {
        selector: { kind: 'safe' },
        approvers: { role: 'editor' },
        minApprovals: 2,
      })
      expect(res.status).toBe(201)
    })

    it('whoever filed a petition cannot approve it, even for someone else', async () => {
      const p = await filed(dave, { kind: 'user', email: 'someone@example.com' }, unique('cus'))
      const res = await claim(p.name, dave, { event: 'access/approve' })
      expect((await expectError(res, 403, 'PERMISSION_DENIED')).message).toMatch(/filed/)
    })

    it('service accounts never count as approvers unless a rule names them', async () => {
      const admin = await userToken(s, s.boot.adminEmail)
      const tokens: string[] = []
      for (const name of ['dave-bot-1', 'dave-bot-2']) {
        await s.call('POST', `${base}/serviceAccounts`, { token: admin, body: { name, roles: ['editor'] } })
        const res = await s.call('POST', `${base}/tokens`, { token: admin, body: { serviceAccount: name } })
        tokens.push(((await res.json()) as { accessToken: string }).accessToken)
      }
      const res = await s.call('POST', `${base}/petitions`, {
        token: await dave(),
        body: {
          petition: {
            petitioners: [{ kind: 'user', email: 'dave@example.com' }],
            resources: [{ kind: 'safe', id: 'vault' }],
          },
        },
      })
      const p = (await res.json()) as Petition
      for (const t of tokens)
        await expectError(await claim(p.name, t, { event: 'access/approve' }), 403, 'PERMISSION_DENIED')

      // Named explicitly, a bot reviews.
      expect(
        (
          await rule('bots', {
            selector: { kind: 'bot-reviewed' },
            approvers: { serviceAccounts: ['dave-bot-1'] },
          })
        ).status,
      ).toBe(201)
      const botted = await s.call('POST', `${base}/petitions`, {
        body: {
          petition: {
            petitioners: [{ kind: 'user', email: 'staff@example.com' }],
            resources: [{ kind: 'bot-reviewed', id: 'x' }],
          },
        },
      })
      const b = (await botted.json()) as Petition
      await expectError(await claim(b.name, tokens[1], { event: 'access/approve' }), 403, 'PERMISSION_DENIED')
      expect((await claim(b.name, tokens[0], { event: 'access/approve' })).status).toBe(200)
    })

    it('quorum counts distinct people; approving twice writes one approval and one event', async () => {
      const p = (await (
        await s.call('POST', `${base}/petitions`, {
          body: {
            petition: {
              petitioners: [{ kind: 'user', email: 'staff@example.com' }],
              resources: [{ kind: 'safe', id: unique('box') }],
            },
          },
        })
      ).json()) as Petition
      const first = (await (await claim(p.name, dave, { event: 'access/approve' })).json()) as Claim
      expect(first.meta?.labels).toMatchObject({
        'openindent.dev/approvals': '1',
        'openindent.dev/approvals-required': '2',
      })
      const again = await claim(p.name, dave, { event: 'access/approve' })
      expect(again.status).toBe(200)
      expect(((await again.json()) as Claim).id).toBe(first.id)
      const claims = (await (await s.call('GET', `${base}/petitions/${p.name}/claims`)).json()) as {
        claims: Claim[]
      }
      expect(claims.claims.map((c) => c.event)).toEqual(['access/approve'])
      expect(
        ((await (await s.call('GET', `${base}/petitions/${p.name}`)).json()) as Petition).state.status.phase,
      ).toBe('open')
      const second = (await (await claim(p.name, erin, { event: 'access/approve' })).json()) as Claim
      expect(second.meta?.labels).toMatchObject({ 'openindent.dev/approvals': '2' })
      expect(
        ((await (await s.call('GET', `${base}/petitions/${p.name}`)).json()) as Petition).state.status.phase,
      ).toBe('granted')
    })

    it('a quorum grant lasts the shortest duration among its approvals', async () => {
      const p = (await (
        await s.call('POST', `${base}/petitions`, {
          body: {
            petition: {
              petitioners: [{ kind: 'user', email: 'staff@example.com' }],
              resources: [{ kind: 'safe', id: unique('box') }],
            },
          },
        })
      ).json()) as Petition
      await claim(p.name, dave, {
        event: 'access/approve',
        meta: { labels: { 'indent.com/time/duration': '15m' } },
      })
      await claim(p.name, erin, {
        event: 'access/approve',
        meta: { labels: { 'indent.com/time/duration': '24h' } },
      })
      const granted = (await (await s.call('GET', `${base}/petitions/${p.name}`)).json()) as Petition
      const [grant] = granted.state.grants ?? []
      expect(Date.parse(grant?.expireTime ?? '') - Date.parse(grant?.startTime ?? '')).toBe(15 * MINUTE)
    })
  })

  describe('rules match stored facts', () => {
    it('labels a petitioner sends for a target never pick the rule', async () => {
      expect(
        (
          await rule('sandbox', {
            selector: { kind: 'customer', labelSelector: 'env=sandbox' },
            approvers: { role: 'editor' },
            allowSelfApproval: true,
            allowIndefinite: true,
            priority: 1,
          })
        ).status,
      ).toBe(201)
      const res = await s.call('POST', `${base}/petitions`, {
        token: await dave(),
        body: {
          petition: {
            petitioners: [{ kind: 'user', email: 'dave@example.com' }],
            resources: [{ kind: 'customer', id: unique('never-uploaded'), labels: { env: 'sandbox' } }],
          },
        },
      })
      const p = (await res.json()) as Petition
      // The default rule governs it: no self-approval, nothing indefinite.
      await expectError(
        await claim(p.name, erin, {
          event: 'access/approve',
          meta: { labels: { 'indent.com/time/indefinite': 'true' } },
        }),
        400,
        'INVALID_ARGUMENT',
      )
      await expectError(await claim(p.name, dave, { event: 'access/approve' }), 403, 'PERMISSION_DENIED')
    })

    it('a space with requireKnownResources refuses petitions for resources never uploaded', async () => {
      const patched = await s.call('PATCH', base, {
        body: { space: { settings: { requireKnownResources: true } } },
      })
      expect(patched.status).toBe(200)
      expect(((await patched.json()) as { settings: unknown }).settings).toEqual({
        requireKnownResources: true,
      })
      const body = await expectError(
        await file(null, { kind: 'user', email: 'staff@example.com' }, 'ghost'),
        400,
        'INVALID_ARGUMENT',
        'resources.0',
      )
      expect(body.message).toMatch(/never uploaded/)
      expect((await file(null, { kind: 'user', email: 'staff@example.com' }, 'known')).status).toBe(200)
      await s.call('PATCH', base, { body: { space: { settings: { requireKnownResources: false } } } })
    })
  })

  describe('rules that cannot be satisfied are refused', () => {
    it('minApprovals larger than the approvers named, without a role', async () => {
      const body = await expectError(
        await rule('impossible', { approvers: { users: ['dave@example.com'] }, minApprovals: 2 }),
        400,
        'INVALID_ARGUMENT',
        'rule.minApprovals',
      )
      expect(body.message).toMatch(/names 1 approver/)
      expect(
        (
          await rule('possible', {
            approvers: { users: ['dave@example.com', 'erin@example.com'] },
            minApprovals: 2,
          })
        ).status,
      ).toBe(201)
    })
  })
})
