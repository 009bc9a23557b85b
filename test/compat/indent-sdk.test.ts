import type { Event, Petition, Resource } from '@indent/types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, type LiveServer, startLiveServer } from '../../packages/api/test/live-server.js'
import { IndentHTTPError, IndentLikeClient } from './indent-client.js'

/**
 * Code written for Indent runs against OpenIndent unchanged: the server driven exactly as Indent's own
 * SDK drives it (see indent-client.ts), with `@indent/types` for the shapes, on both engines. The flows
 * are the ones Indent's own SDK tests run.
 */
describe.each(ENGINES)("Indent's SDK against OpenIndent on %s", (engine) => {
  let server: LiveServer
  let user: IndentLikeClient
  let service: IndentLikeClient
  let n = 0
  const unique = (prefix: string) => `${prefix}_${++n}`
  const customer = (id: string): Resource => ({ kind: 'customer', id })

  const client = (apiToken: string) =>
    new IndentLikeClient({ apiToken, spaceName: server.space, baseURL: server.baseURL, maxRetries: 2 })

  beforeAll(async () => {
    server = await startLiveServer(engine)
    user = client(server.adminToken)
    service = client(server.token)
    // Indent's tests have one account ask for and approve its own access: a space may allow that, by rule.
    await server.client().request({
      method: 'POST',
      path: `/spaces/${server.space}/approvalRules`,
      body: {
        name: 'indent-sdk',
        rule: {
          selector: { kind: 'customer' },
          approvers: { role: 'editor', serviceAccounts: ['bootstrap'] },
          allowSelfApproval: true,
          maxDuration: '24h',
        },
      },
    })
  }, 60_000)
  afterAll(() => server.close())

  it("takes Indent's headers and pretty-printed JSON, and answers resources in Indent's shapes", async () => {
    const uploaded = await user.resource.bulkUpdate({
      resources: [
        { kind: 'customer', id: 'cus_a', displayName: 'A', labels: { plan: 'pro' } },
        { kind: 'customer', id: 'cus_b', labels: { plan: 'enterprise' } },
      ],
    })
    expect(uploaded.resources.map((r) => r.id)).toEqual(['cus_a', 'cus_b'])
    const { resources } = await user.resource.list()
    const a = resources.find((r) => r.id === 'cus_a') as Resource & { name: string }
    expect(a).toMatchObject({ kind: 'customer', id: 'cus_a', displayName: 'A', labels: { plan: 'pro' } })
    // `resource.get` answers the resource itself, not `{ resource }`.
    expect(await user.resource.get({ resourceName: a.name })).toMatchObject({ kind: 'customer', id: 'cus_a' })
    expect(user.attempts.every((x) => x.status === 200)).toBe(true)
  })

  it('creates a petition without petitioners for the user the token belongs to (its JWT sub)', async () => {
    const p = await user.petition.create({ resources: [customer(unique('cus'))] })
    expect(p.petitioners).toEqual([{ kind: 'user', email: server.adminEmail }])
    expect(p.state?.status.phase).toBe('open')
    expect(p.meta?.labels).toMatchObject({ 'indent.com/app/config/id': `space:${server.space}` })
  })

  for (const who of ['a user token', 'a service-account token'] as const) {
    describe(`with ${who}`, () => {
      const api = () => (who === 'a user token' ? user : service)
      const petitioner = (): Resource =>
        who === 'a user token'
          ? { kind: 'user', email: server.adminEmail }
          : { kind: 'user', id: 'u_staff', email: 'staff@example.com' }

      it('deny closes the petition', async () => {
        const target = customer(unique('cus'))
        const p = await api().petition.create({ petitioners: [petitioner()], resources: [target] })
        const claim: Event = {
          event: 'access/deny',
          reason: 'not on call',
          resources: [petitioner(), target],
        }
        expect(await api().petition.review({ petitionName: p.name ?? '', claim })).toMatchObject({
          event: 'access/deny',
          reason: 'not on call',
        })
        expect((await api().petition.waitFor({ petitionName: p.name ?? '' })).state?.status.phase).toBe(
          'closed',
        )
      })

      it('approve for 3h0m0s grants; revoke with reason "expired" closes it about a second later', async () => {
        const target = customer(unique('cus'))
        const p = await api().petition.create({ petitioners: [petitioner()], resources: [target] })
        const name = p.name ?? ''
        await api().petition.review({
          petitionName: name,
          claim: {
            event: 'access/approve',
            resources: [petitioner(), target],
            meta: { labels: { 'indent.com/time/duration': '3h0m0s' } },
          },
        })
        const granted = await api().petition.waitFor({ petitionName: name })
        expect(granted.state?.status.phase).toBe('granted')
        await api().petition.review({
          petitionName: name,
          claim: { event: 'access/revoke', reason: 'expired', resources: [petitioner(), target] },
        })
        const closed = (await api().petition.waitFor({ petitionName: name })) as Petition & {
          state: { outcome?: string }
        }
        expect(closed.state.status.phase).toBe('closed')
        expect(closed.state.outcome).toBe('revoked')
        // @indent/types leaves `eventHistory` typed as the DOM's Event (it forgot an import): read it as ours.
        const events = (closed.state.eventHistory as unknown as Event[]).map((e) => e.event)
        expect(events).toContain('access/revoke')
      })
    })
  }

  it('a 409 is final: answered with x-should-retry: false, so the SDK does not retry it', async () => {
    const resource = customer(unique('dup'))
    await user.request('POST', `/spaces/${server.space}/resources`, { resource })
    const before = user.attempts.length
    const error = await user
      .request('POST', `/spaces/${server.space}/resources`, { resource })
      .catch((e) => e)
    expect(error).toBeInstanceOf(IndentHTTPError)
    expect((error as IndentHTTPError).status).toBe(409)
    const tries = user.attempts.slice(before)
    expect(tries).toHaveLength(1)
    expect(tries[0]?.headers['x-should-retry']).toBe('false')
  })

  it('bulkUpdate takes 100,000 resources in one request, all or nothing', async () => {
    const resources = Array.from({ length: 100_000 }, (_, i) => ({
      kind: 'bulk',
      id: `b_${i}`,
      labels: { plan: ['free', 'pro', 'enterprise'][i % 3] as string },
    }))
    const before = user.attempts.length
    const uploaded = await user.resource.bulkUpdate({ resources })
    expect(user.attempts.length - before).toBe(1)
    expect(uploaded.resources).toHaveLength(100_000)
    // One bad resource refuses the whole request: nothing of it is written.
    const bad = [...resources.slice(0, 50_000).map((r) => ({ ...r, kind: 'bulk2' })), { kind: '', id: 'x' }]
    const error = await user.resource.bulkUpdate({ resources: bad }).catch((e) => e)
    expect((error as IndentHTTPError).status).toBe(400)
    const page = await user.request<{ resources: Resource[] }>(
      'GET',
      `/spaces/${server.space}/resources?kind=bulk2&pageSize=1`,
    )
    expect(page.resources).toEqual([])
  }, 120_000)

  it('takes durations as @indent/types objects and answers them as Indent does', async () => {
    const p = await user.petition.create({
      petitioners: [{ kind: 'user', email: server.adminEmail }],
      resources: [customer(unique('cus'))],
      defaultDuration: { seconds: 5400, nanos: 0 },
    })
    expect(p.defaultDuration as unknown).toBe('5400s')
    const error = await user.petition
      .create({
        petitioners: [{ kind: 'user', email: server.adminEmail }],
        resources: [customer(unique('cus'))],
        defaultDuration: { seconds: 1, nanos: 1 },
      })
      .catch((e) => e)
    expect((error as IndentHTTPError).status).toBe(400)
  })

  it("writes Indent's audit-SDK batches through an input URL: no Authorization, no JSON content type", async () => {
    const created = await user.request<{ dsn: string; name: string }>(
      'POST',
      `/spaces/${server.space}/auditInputs`,
      {
        name: 'web-app',
      },
    )
    expect(created.dsn).toMatch(/\/v1\/[a-z2-7]{32}$/)
    // As @indent/audit flushes: a plain POST of `{ events }`, the DSN its only credential.
    const post = (events: Event[]) => fetch(created.dsn, { method: 'POST', body: JSON.stringify({ events }) })
    const ok = await post([
      {
        event: 'customer/view',
        actor: { kind: 'user', id: 'u_1', email: 'staff@example.com' },
        resources: [customer('cus_a')],
      },
    ])
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ written: 1 })
    const log = await user.request<{ events: Event[] }>(
      'GET',
      `/spaces/${server.space}/events?event=customer/view`,
    )
    expect(log.events[0]?.meta?.labels?.['openindent.dev/writer']).toBe('openindent.v1.AuditInput/web-app')
    // Writes only: a forged grant is refused, and the URL reads nothing.
    expect((await post([{ event: 'access/grant' }])).status).toBe(400)
    expect((await fetch(created.dsn)).status).toBe(405)
    await user.request('DELETE', `/spaces/${server.space}/auditInputs/web-app`)
    expect((await post([{ event: 'customer/view' }])).status).toBe(401)
  })
})
