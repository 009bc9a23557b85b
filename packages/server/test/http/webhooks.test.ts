import { verify as indentVerify } from '@indent/webhook'
import { verify } from '@openindent/webhook'
import { pino } from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MAX_WEBHOOKS_PER_SPACE } from '../../src/domain/webhooks/crud.js'
import { PullJob } from '../../src/jobs/pull.js'
import { HttpWebhookCaller } from '../../src/jobs/webhook-caller.js'
import { ENGINES } from '../helpers/databases.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, expectError } from './support.js'

interface WireWebhook {
  meta: { name: string }
  url: string
  secret?: string
  handler: { type: string; resourceKinds: string[] }
}
interface WireDelivery {
  name: string
  webhook: string
  status: string
  attempts: number
  lastError?: string
  lastStatusCode?: number
  latencyMs?: number
  nextAttemptTime?: string
}
interface WireEvent {
  event: string
  resources?: { kind?: string; id?: string }[]
}

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

describe.each(ENGINES)('webhooks and the outbox on %s', (engine) => {
  let s: TestServer
  let receiver: Receiver
  let hook: WireWebhook

  beforeAll(async () => {
    s = await startTestServer(engine, {
      env: { OPENINDENT_OUTBOX_MAX_ATTEMPTS: '4', OPENINDENT_OUTBOX_RETRY_BASE: '1s' },
    })
    receiver = await startReceiver()
    const res = await s.call('POST', `${base}/webhooks`, {
      body: { webhook: { name: 'provision', url: receiver.url, handler: { type: 'applyUpdate' } } },
    })
    expect(res.status).toBe(201)
    hook = (await res.json()) as WireWebhook
  })
  afterAll(async () => {
    await s.close()
    await receiver.close()
  })
  beforeEach(() => {
    // Each case's deliveries are newer than the last case's: lists are newest first.
    s.clock.advance(1000)
    receiver.calls.length = 0
    receiver.respond = () => ({ status: 200, body: {} })
  })

  async function openPetition(id: string, kind = 'customer'): Promise<string> {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind, id }] },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }
  async function approve(petition: string): Promise<void> {
    const res = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(res.status).toBe(200)
  }
  async function deliveries(query = ''): Promise<WireDelivery[]> {
    const res = await s.call('GET', `${base}/webhooks/provision/deliveries${query}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { deliveries: WireDelivery[] }).deliveries
  }

  it('creates a webhook with a generated secret, shown once; get, list and patch never show it', async () => {
    expect(hook.secret).toMatch(/^whsec_/)
    expect(hook.handler).toEqual({ type: 'applyUpdate', resourceKinds: [] })
    const got = (await (await s.call('GET', `${base}/webhooks/provision`)).json()) as WireWebhook
    expect(got.secret).toBeUndefined()
    expect(got.url).toBe(receiver.url)
    const list = (await (await s.call('GET', `${base}/webhooks`)).json()) as { webhooks: WireWebhook[] }
    expect(list.webhooks.map((w) => w.meta.name)).toEqual(['provision'])
    expect(list.webhooks[0]?.secret).toBeUndefined()
    await expectError(
      await s.call('POST', `${base}/webhooks`, {
        body: { webhook: { name: 'provision', url: receiver.url, handler: { type: 'applyUpdate' } } },
      }),
      409,
      'ALREADY_EXISTS',
    )
  })

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./',
    'http://2852039166/',
    'http://0xa9.0xfe.0xa9.0xfe/',
    'http://[::ffff:169.254.169.254]/',
    'http://100.100.100.200/latest/meta-data/',
  ])('refuses a receiver at the cloud metadata address %s, and creates nothing', async (url) => {
    const body = await expectError(
      await s.call('POST', `${base}/webhooks`, {
        body: { webhook: { name: 'steal', url, handler: { type: 'applyUpdate' } } },
      }),
      400,
      'INVALID_ARGUMENT',
    )
    expect(body.message).toMatch(/metadata/)
    await expectError(await s.call('GET', `${base}/webhooks/steal`), 404, 'NOT_FOUND')
    await expectError(
      await s.call('PATCH', `${base}/webhooks/provision`, { body: { webhook: { url } } }),
      400,
      'INVALID_ARGUMENT',
    )
  })

  it('refuses bad input with 400s: not http, unknown handler, short secret, unknown field', async () => {
    for (const webhook of [
      { url: 'ftp://example.com/', handler: { type: 'applyUpdate' } },
      { url: 'not a url', handler: { type: 'applyUpdate' } },
      { url: 'http://u:p@example.com/', handler: { type: 'applyUpdate' } },
      { url: 'http://example.com/', handler: { type: 'provision' } },
      { url: 'http://example.com/', secret: 'short', handler: { type: 'applyUpdate' } },
      { url: 'http://example.com/', handler: { type: 'applyUpdate' }, extra: 1 },
    ]) {
      await expectError(
        await s.call('POST', `${base}/webhooks`, { body: { webhook } }),
        400,
        'INVALID_ARGUMENT',
      )
    }
    const list = (await (await s.call('GET', `${base}/webhooks`)).json()) as { webhooks: WireWebhook[] }
    expect(list.webhooks).toHaveLength(1)
  })

  it('queues the grant in its own transaction and delivers it signed, verified by @indent/webhook', async () => {
    const petition = await openPetition('cus_grant')
    await approve(petition)
    // Queued by the commit itself: nothing has run the worker yet.
    const [queued] = await deliveries()
    expect(queued).toMatchObject({ status: 'pending', attempts: 0 })
    expect(receiver.calls).toHaveLength(0)

    await s.rt.outbox.drain()
    expect(receiver.calls).toHaveLength(1)
    const call = receiver.calls[0]
    if (!call || !hook.secret) throw new Error('no call')
    // Indent's own package, unchanged, accepts our signature; so does ours, with its replay window.
    expect(await indentVerify({ secret: hook.secret, body: call.body, headers: call.headers as never })).toBe(
      true,
    )
    expect(await verify({ secret: hook.secret, body: call.body, headers: call.headers })).toBe(true)
    expect(
      await indentVerify({
        secret: 'whsec_wrong',
        body: call.body,
        headers: call.headers as never,
        throwError: false,
      }),
    ).toBe(false)
    expect(call.headers['x-openindent-delivery']).toBe(queued?.name)
    const { events } = JSON.parse(call.body) as { events: WireEvent[] }
    expect(events.map((e) => e.event)).toEqual(['access/request', 'access/approve', 'access/grant'])
    expect(events[2]?.resources?.map((r) => r.id)).toEqual(['alice@example.com', 'cus_grant'])

    const [done] = await deliveries()
    expect(done).toMatchObject({ name: queued?.name, status: 'delivered', attempts: 1, lastStatusCode: 200 })
    expect(done?.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('sends the revoke when access is taken away', async () => {
    const petition = await openPetition('cus_revoke')
    await approve(petition)
    await s.rt.outbox.drain()
    receiver.calls.length = 0
    const res = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/revoke', reason: 'done' } },
    })
    expect(res.status).toBe(200)
    await s.rt.outbox.drain()
    expect(receiver.calls).toHaveLength(1)
    const { events } = JSON.parse(receiver.calls[0]?.body ?? '{}') as { events: WireEvent[] }
    expect(events.map((e) => e.event)).toEqual(['access/revoke'])
    expect(events[0]?.resources?.map((r) => r.id)).toEqual(['alice@example.com', 'cus_revoke'])
  })

  it('sends the revoke when a grant expires, from the expiry job', async () => {
    await approve(await openPetition('cus_expire'))
    await s.rt.outbox.drain()
    receiver.calls.length = 0
    // The default rule grants for 1 h.
    s.clock.advance(3_600_000 + 1000)
    expect(await s.rt.expiry.runOnce()).toBeGreaterThanOrEqual(1)
    await s.rt.outbox.drain()
    const revokes = receiver.calls
      .flatMap((c) => (JSON.parse(c.body) as { events: WireEvent[] }).events)
      .filter((e) => e.event === 'access/revoke')
    expect(revokes.map((e) => e.resources?.[1]?.id)).toContain('cus_expire')
  })

  it('retries a receiver that fails 3 times with growing, jittered waits; the 4th attempt delivers, same id', async () => {
    let failures = 0
    receiver.respond = () => (failures++ < 3 ? { status: 503, body: { error: 'down' } } : { status: 200 })
    await approve(await openPetition('cus_flaky'))
    const waits: number[] = []
    for (let i = 0; i < 4; i++) {
      await s.rt.outbox.drain()
      const [d] = await deliveries()
      if (d?.status === 'delivered') break
      expect(d?.status).toBe('pending')
      expect(d?.lastStatusCode).toBe(503)
      expect(d?.lastError).toMatch(/HTTP 503/)
      const wait = Date.parse(d?.nextAttemptTime ?? '') - s.clock.now()
      waits.push(wait)
      // Not due yet: a pass now sends nothing.
      await s.rt.outbox.drain()
      expect(receiver.calls).toHaveLength(i + 1)
      s.clock.advance(wait)
    }
    expect(receiver.calls).toHaveLength(4)
    const ids = new Set(receiver.calls.map((c) => c.headers['x-openindent-delivery']))
    expect(ids.size).toBe(1)
    expect(receiver.calls.map((c) => c.headers['x-openindent-attempt'])).toEqual(['1', '2', '3', '4'])
    // Base 1 s, doubling, jitter between half and all of it.
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(500 * 2 ** i)
      expect(w).toBeLessThanOrEqual(1000 * 2 ** i)
    })
    const [d] = await deliveries()
    expect(d).toMatchObject({ status: 'delivered', attempts: 4 })
  })

  it('dead-letters after the retry limit, lists it, and a retry by hand delivers it with the same id', async () => {
    receiver.respond = () => ({ status: 500, body: { error: 'broken' } })
    await approve(await openPetition('cus_dead'))
    for (let i = 0; i < 4; i++) {
      await s.rt.outbox.drain()
      s.clock.advance(3_600_000)
    }
    const dead = (await (await s.call('GET', `${base}/deliveries?status=dead`)).json()) as {
      deliveries: WireDelivery[]
    }
    expect(dead.deliveries).toHaveLength(1)
    const letter = dead.deliveries[0]
    expect(letter).toMatchObject({ status: 'dead', attempts: 4, lastStatusCode: 500 })
    expect(letter?.lastError).toMatch(/broken/)

    // Nothing more is sent on its own.
    s.clock.advance(86_400_000)
    await s.rt.outbox.drain()
    expect(receiver.calls).toHaveLength(4)

    receiver.respond = () => ({ status: 200 })
    const retried = await s.call('POST', `${base}/deliveries/${letter?.name}:retry`, { body: {} })
    expect(retried.status).toBe(200)
    expect(await retried.json()).toMatchObject({ name: letter?.name, status: 'pending', attempts: 0 })
    await s.rt.outbox.drain()
    expect(receiver.calls).toHaveLength(5)
    expect(receiver.calls[4]?.headers['x-openindent-delivery']).toBe(letter?.name)
    const again = await s.call('POST', `${base}/deliveries/${letter?.name}:retry`, { body: {} })
    await expectError(again, 409, 'CONFLICT')
    await expectError(
      await s.call('POST', `${base}/deliveries/dlv_nope:retry`, { body: {} }),
      404,
      'NOT_FOUND',
    )
  })

  it('queues nothing when the change rolls back (a refused self-approval)', async () => {
    const before = (await deliveries()).length
    const petition = await openPetition('cus_rollback')
    const res = await s.call('POST', `${base}/petitions/${petition}/claims`, {
      body: { claim: { event: 'access/approve' } },
    })
    expect(res.status).toBe(403)
    expect(await deliveries()).toHaveLength(before)
  })

  it('sends a webhook that names resource kinds only the grants of those kinds', async () => {
    const other = await startReceiver()
    try {
      const created = await s.call('POST', `${base}/webhooks`, {
        body: {
          webhook: {
            name: 'okta',
            url: other.url,
            handler: { type: 'applyUpdate', resourceKinds: ['okta.v1.Group'] },
          },
        },
      })
      expect(created.status).toBe(201)
      await approve(await openPetition('cus_kinds'))
      await approve(await openPetition('00g1', 'okta.v1.group'))
      await s.rt.outbox.drain()
      expect(other.calls).toHaveLength(1)
      const { events } = JSON.parse(other.calls[0]?.body ?? '{}') as { events: WireEvent[] }
      expect(events.filter((e) => e.event === 'access/grant').map((e) => e.resources?.[1]?.id)).toEqual([
        '00g1',
      ])
      expect(receiver.calls).toHaveLength(2)
    } finally {
      await s.call('DELETE', `${base}/webhooks/okta`)
      await other.close()
    }
  })

  it('pulls resources from a pullUpdate webhook on demand and upserts them; a failing one writes nothing', async () => {
    const puller = await startReceiver()
    try {
      const created = await s.call('POST', `${base}/webhooks`, {
        body: {
          webhook: {
            name: 'pull',
            url: puller.url,
            handler: { type: 'pullUpdate', resourceKinds: ['crm.v1.Account'] },
          },
        },
      })
      const { secret } = (await created.json()) as WireWebhook
      puller.respond = () => ({
        status: 200,
        body: {
          status: {},
          resources: [{ kind: 'crm.v1.Account', id: 'acc_1', displayName: 'Acme', labels: { plan: 'pro' } }],
        },
      })
      const res = await s.call('PUT', `${base}/resources:pullUpdate`, { body: { kinds: ['crm.v1.Account'] } })
      expect(res.status).toBe(200)
      const body = (await res.json()) as { resources: { id: string; labels: Record<string, string> }[] }
      expect(body.resources.map((r) => [r.id, r.labels.plan])).toEqual([['acc_1', 'pro']])
      const call = puller.calls[0]
      expect(JSON.parse(call?.body ?? '{}')).toEqual({ kinds: ['crm.v1.Account'], flags: {} })
      expect(
        await indentVerify({ secret: secret ?? '', body: call?.body ?? '', headers: call?.headers as never }),
      ).toBe(true)
      const listed = await s.call('GET', `${base}/resources?kind=crm.v1.Account`)
      expect(((await listed.json()) as { resources: unknown[] }).resources).toHaveLength(1)

      // The schedule makes the same call for every space with a pull webhook.
      puller.respond = () => ({
        status: 200,
        body: { resources: [{ kind: 'crm.v1.Account', id: 'acc_2', displayName: 'Globex' }] },
      })
      expect(await s.rt.pulls?.runOnce()).toBe(1)
      expect(JSON.parse(puller.calls[1]?.body ?? '{}')).toEqual({ kinds: ['crm.v1.Account'], flags: {} })
      // Another instance's schedule finds this round taken, until the interval (1 h) has nearly passed.
      const other = new PullJob(
        { ...s.rt, webhookCaller: s.rt.webhookCaller },
        pino({ level: 'silent' }),
        3_600_000,
        'inst_other',
      )
      expect(await other.runOnce()).toBe(0)
      expect(puller.calls).toHaveLength(2)
      s.clock.advance(3_600_000)
      expect(await other.runOnce()).toBe(1)
      expect(puller.calls).toHaveLength(3)
      const after = await s.call('GET', `${base}/resources?kind=crm.v1.Account`)
      expect(
        ((await after.json()) as { resources: { id: string }[] }).resources.map((r) => r.id).sort(),
      ).toEqual(['acc_1', 'acc_2'])

      puller.respond = () => ({ status: 500, body: {} })
      await expectError(
        await s.call('PUT', `${base}/resources:pullUpdate`, { body: { kinds: [] } }),
        503,
        'UNAVAILABLE',
      )
      puller.respond = () => ({ status: 200, body: { resources: 'nope' } })
      await expectError(await s.call('PUT', `${base}/resources:pullUpdate`, { body: {} }), 503, 'UNAVAILABLE')
      await expectError(
        await s.call('PUT', `${base}/resources:pullUpdate`, { body: { kinds: ['nothing.v1.Here'] } }),
        404,
        'NOT_FOUND',
      )
      await expectError(
        await s.call('PUT', `${base}/resources:pullUpdate`, { body: { kinds: 'x' } }),
        400,
        'INVALID_ARGUMENT',
      )
    } finally {
      await s.call('DELETE', `${base}/webhooks/pull`)
      await puller.close()
    }
  })

  it('deletes a webhook: 404 after, and what it still had waiting is dead-lettered', async () => {
    const doomed = await s.call('POST', `${base}/webhooks`, {
      body: { webhook: { name: 'doomed', url: receiver.url, handler: { type: 'applyUpdate' } } },
    })
    expect(doomed.status).toBe(201)
    await approve(await openPetition('cus_doomed'))
    expect((await s.call('DELETE', `${base}/webhooks/doomed`)).status).toBe(200)
    await expectError(await s.call('GET', `${base}/webhooks/doomed`), 404, 'NOT_FOUND')
    await s.rt.outbox.drain()
    const dead = (await (await s.call('GET', `${base}/deliveries?status=dead&webhook=doomed`)).json()) as {
      deliveries: WireDelivery[]
    }
    expect(dead.deliveries.map((d) => d.lastError)).toEqual(['the webhook was deleted'])
    expect(
      receiver.calls.filter((c) => c.headers['x-openindent-delivery'] === dead.deliveries[0]?.name),
    ).toHaveLength(0)
  })

  it('forgets delivered deliveries after the retention (30 days), keeps dead letters and what waits', async () => {
    const all = async () =>
      (
        (await (await s.call('GET', `${base}/deliveries?pageSize=1000`)).json()) as {
          deliveries: WireDelivery[]
        }
      ).deliveries
    await approve(await openPetition('cus_fresh'))
    await s.rt.outbox.drain()
    const [fresh] = await all()
    expect(fresh?.status).toBe('delivered')
    receiver.respond = () => ({ status: 503 })
    await approve(await openPetition('cus_waiting'))
    await s.rt.outbox.drain()

    s.clock.advance(720 * 3_600_000 - 60_000)
    await s.rt.outboxSweep.runOnce()
    expect((await all()).map((d) => d.name)).toContain(fresh?.name)
    s.clock.advance(24 * 3_600_000)
    await s.rt.outboxSweep.runOnce()
    const statuses = new Set((await all()).map((d) => d.status))
    expect(statuses).toEqual(new Set(['dead', 'pending']))
  })
})

describe.each(ENGINES)('webhooks per space, on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const create = (name: string) =>
    s.call('POST', `${base}/webhooks`, {
      body: { webhook: { name, url: 'https://hooks.example.com/in', handler: { type: 'applyUpdate' } } },
    })

  it(`takes at most ${MAX_WEBHOOKS_PER_SPACE}, refuses one more with 409, and takes one again after a delete`, async () => {
    for (let i = 0; i < MAX_WEBHOOKS_PER_SPACE; i++) expect((await create(`hook-${i}`)).status).toBe(201)

    const refused = await expectError(await create('one-too-many'), 409, 'CONFLICT', null)
    expect(refused.message).toContain(`${MAX_WEBHOOKS_PER_SPACE} webhooks`)
    const list = (await (await s.call('GET', `${base}/webhooks`)).json()) as { webhooks: WireWebhook[] }
    expect(list.webhooks).toHaveLength(MAX_WEBHOOKS_PER_SPACE)
    expect(list.webhooks.map((w) => w.meta.name)).toContain('hook-99')
    expect(list.webhooks.some((w) => w.meta.name === 'one-too-many')).toBe(false)

    expect((await s.call('DELETE', `${base}/webhooks/hook-0`)).status).toBeLessThan(300)
    expect((await create('one-too-many')).status).toBe(201)
  })

  it('with room for two, six creates at once: two are taken, four refused, and the space holds the maximum', async () => {
    const names = async () =>
      ((await (await s.call('GET', `${base}/webhooks`)).json()) as { webhooks: WireWebhook[] }).webhooks.map(
        (w) => w.meta.name,
      )
    // Two short of the maximum, whatever the test before left.
    const held = await names()
    for (const name of held.slice(0, Math.max(0, held.length - (MAX_WEBHOOKS_PER_SPACE - 2)))) {
      expect((await s.call('DELETE', `${base}/webhooks/${name}`)).status).toBeLessThan(300)
    }
    for (let i = held.length; i < MAX_WEBHOOKS_PER_SPACE - 2; i++) {
      expect((await create(`filler-${i}`)).status).toBe(201)
    }
    const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => create(`racer-${i}`))).then(
      (all) => all.map((r) => r.status),
    )
    expect(statuses.filter((status) => status === 201)).toHaveLength(2)
    expect(statuses.filter((status) => status === 409)).toHaveLength(4)
    expect(await names()).toHaveLength(MAX_WEBHOOKS_PER_SPACE)
  })
})

describe.each(ENGINES)('metadata receivers when the operator allows them, on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine, { env: { OPENINDENT_WEBHOOK_ALLOW_METADATA: 'true' } })
  })
  afterAll(() => s.close())

  it('accepts a receiver at 169.254.169.254 with OPENINDENT_WEBHOOK_ALLOW_METADATA=true', async () => {
    const res = await s.call('POST', `${base}/webhooks`, {
      body: {
        webhook: { name: 'imds', url: 'http://169.254.169.254/hook', handler: { type: 'applyUpdate' } },
      },
    })
    expect(res.status).toBe(201)
  })
})

describe('the webhook caller', () => {
  const hook = {
    spaceId: 's',
    name: 'h',
    url: 'http://169.254.169.254/latest/meta-data/',
    method: 'POST',
    secret: 'whsec_0123456789abcdef',
    handlerType: 'applyUpdate' as const,
    resourceKinds: [],
    dryRun: false,
    createTime: 0,
    updateTime: 0,
  }

  it('refuses at send time a metadata URL stored while it was allowed, without connecting', async () => {
    const caller = new HttpWebhookCaller({
      timeoutMs: 1000,
      allowMetadataUrls: false,
      maxResponseBytes: 1024,
      userAgent: 'test',
    })
    await expect(caller.call(hook, '{}')).rejects.toThrow(/refused: 169.254.169.254/)
  })
})
