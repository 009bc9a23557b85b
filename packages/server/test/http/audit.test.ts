import type { AuditEvent } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChainRecord } from '../../src/domain/audit/ports.js'
import { chainHash, serializeEvent } from '../../src/domain/audit/types.js'
import { TIME_RANGE_SORT_LIMIT } from '../../src/store/repos/audit-query.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, expectError, spaceId } from './support.js'

const base = '/v1/spaces/default'
const events = `${base}/events`
const T = (iso: string) => `2025-03-01T${iso}Z`

interface ListResponse {
  events: AuditEvent[]
  nextPageToken?: string
}

/** What the bootstrap service account appears as in events. */
const BOOTSTRAP_ACTOR = {
  kind: 'openindent.v1.ServiceAccount',
  id: 'bootstrap',
  displayName: 'Bootstrap service account',
}

describe.each(ENGINES)('audit log API on %s', (engine) => {
  let s: TestServer

  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }
  const write = (list: Record<string, unknown>[], token?: string) =>
    s.call('POST', `${events}:write`, { body: { events: list }, ...(token ? { token } : {}) })
  const written = async (list: Record<string, unknown>[], token?: string) =>
    (await json<{ events: AuditEvent[] }>(write(list, token))).events
  const list = (query: Record<string, string> = {}, token?: string) =>
    s.call('GET', `${events}?${new URLSearchParams(query)}`, token ? { token } : {})
  const listed = async (query: Record<string, string> = {}) => (await json<ListResponse>(list(query))).events
  /** Every page of a query, following nextPageToken. */
  async function all(query: Record<string, string>): Promise<{ events: AuditEvent[]; pages: number }> {
    const out: AuditEvent[] = []
    let pageToken: string | undefined
    let pages = 0
    do {
      const page = await json<ListResponse>(list({ ...query, ...(pageToken ? { pageToken } : {}) }))
      out.push(...page.events)
      pageToken = page.nextPageToken
      pages++
    } while (pageToken)
    return { events: out, pages }
  }
  const head = async () => s.rt.store.audit.head(await spaceId(s, 'default'))
  async function newToken(space: string, name: string, roles: string[], token?: string): Promise<string> {
    const b = `/v1/spaces/${space}`
    await json(s.call('POST', `${b}/serviceAccounts`, { token, body: { name, roles } }), 201)
    const t = await json<{ accessToken: string }>(
      s.call('POST', `${b}/tokens`, { token, body: { serviceAccount: name } }),
      201,
    )
    return t.accessToken
  }

  it('lists the log newest first, each event as stored with its place in the chain', async () => {
    const page = await listed()
    const h = await head()
    expect(page.length).toBe(h?.seq)
    expect(page.map((e) => e.seq)).toEqual(Array.from({ length: page.length }, (_, i) => page.length - i))
    expect(page[0]?.hash).toBe(h?.hash)
    for (const [i, e] of page.entries()) {
      const { seq, hash, prevHash, ...body } = e
      expect(hash).toBe(chainHash(prevHash, seq, serializeEvent(body)))
      if (i > 0) expect(page[i - 1]?.prevHash).toBe(hash)
    }
    expect(page[page.length - 1]?.event).toBe('space/create')
    const oldest = await listed({ ascending: 'true' })
    expect(oldest).toEqual([...page].reverse())
  })

  it('events:write appends to the chain with the caller as actor and now as the time', async () => {
    const before = await head()
    const out = await written([
      {
        event: 'app/customer.view',
        resources: [{ kind: 'customer', id: 'cus_1' }],
        reason: 'support ticket',
      },
      { event: 'app/customer.export', meta: { labels: { ticket: 'T-1' } } },
    ])
    expect(out.map((e) => e.seq)).toEqual([(before?.seq ?? 0) + 1, (before?.seq ?? 0) + 2])
    expect(out[0]?.prevHash).toBe(before?.hash)
    expect(out[1]?.prevHash).toBe(out[0]?.hash)
    expect(out[0]).toMatchObject({
      event: 'app/customer.view',
      actor: BOOTSTRAP_ACTOR,
      resources: [{ kind: 'customer', id: 'cus_1' }],
      reason: 'support ticket',
      timestamp: new Date(s.clock.now()).toISOString(),
    })
    expect(out[0]?.id).toMatch(/^evt_/)
    expect(out[1]).toMatchObject({ actor: BOOTSTRAP_ACTOR, meta: { labels: { ticket: 'T-1' } } })
    expect(await head()).toEqual({ seq: out[1]?.seq, hash: out[1]?.hash })
    // What the list returns is what the write returned.
    expect((await listed({ pageSize: '2' })).reverse()).toEqual(out)

    // A user's token: the user is the actor.
    const admin = await adminToken(s)
    const [byUser] = await written([{ event: 'app/login' }], admin)
    expect(byUser?.actor).toEqual({
      kind: 'user',
      id: 'admin@example.com',
      email: 'admin@example.com',
      displayName: 'Admin',
    })
  })

  it('events:write keeps a given actor and time, and labels the event with the caller that wrote it', async () => {
    const [e] = await written([
      {
        event: 'app/impersonate',
        actor: { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' },
        timestamp: '2025-01-02T03:04:05.678+01:00',
        meta: { labels: { 'openindent.dev/writer': 'forged', ticket: 'T-2' } },
      },
    ])
    expect(e?.actor).toEqual({ kind: 'user', id: 'alice@example.com', email: 'alice@example.com' })
    expect(e?.timestamp).toBe('2025-01-02T02:04:05.678Z')
    expect(e?.meta?.labels).toEqual({
      ticket: 'T-2',
      'openindent.dev/writer': 'openindent.v1.ServiceAccount/bootstrap',
    })
  })

  it('sends each page byte for byte as the stored events with their place in the chain', async () => {
    // Bodies that a text splice could get wrong: keys JavaScript orders first (integer-like), text
    // that JSON escapes, and the chain's own key names inside a body (those take the long way).
    await written([
      {
        event: 'app/a',
        reason: 'é ü 😀 "quoted" \\ \u2028 \t',
        meta: { labels: { '10': 'x', '9': 'y', b: 'z' } },
      },
      { event: 'app/b', resources: [{ kind: 'customer', id: '2', displayName: 'seq' }] },
      { event: 'app/c', meta: { labels: { hash: 'h', prevHash: 'p', seq: '1' } } },
      { event: 'app/d', reason: '"seq":1' },
    ])
    const space = await spaceId(s, 'default')
    const rows: ChainRecord[] = []
    for await (const r of s.rt.store.audit.scan(space)) rows.push(r)
    const wire = (r: ChainRecord) => ({
      ...JSON.parse(r.body),
      seq: r.seq,
      hash: r.hash,
      prevHash: r.prevHash,
    })
    const newest = rows.slice(-3).reverse()
    const first = await list({ pageSize: '3' })
    const token = (JSON.parse(await first.clone().text()) as ListResponse).nextPageToken
    expect(await first.text()).toBe(JSON.stringify({ events: newest.map(wire), nextPageToken: token }))
    expect(first.headers.get('content-type')).toMatch(/^application\/json/)
    const everything = await list({ ascending: 'true', pageSize: '1000' })
    expect(await everything.text()).toBe(JSON.stringify({ events: rows.map(wire) }))
    const none = await list({ event: 'app/none' })
    expect(await none.text()).toBe('{"events":[]}')
  })

  it("events:write refuses OpenIndent's own event names, and then writes nothing", async () => {
    const before = await head()
    for (const name of [
      'access/grant',
      'resource/update',
      'token/create',
      'serviceAccount/delete',
      'member/update',
      'space/create',
      'rule/create',
      'petition/close',
      'auth/signIn',
      'Access/Approve',
      ' access/approve',
    ]) {
      const res = await write([{ event: 'app/fine' }, { event: name }])
      await expectError(res, 400, 'INVALID_ARGUMENT', 'events.1.event')
    }
    await expectError(
      await write([{ event: 'app/x', timestamp: 'yesterday' }]),
      400,
      'INVALID_ARGUMENT',
      'events.0.timestamp',
    )
    await expectError(await write([]), 400, 'INVALID_ARGUMENT', 'events')
    // An app event may not pass itself off as part of a petition's history.
    await expectError(
      await write([{ event: 'app/x', meta: { labels: { 'indent.com/petition': 'pet-1' } } }]),
      400,
      'INVALID_ARGUMENT',
      'events.0.meta.labels',
    )
    await expectError(await write([{ event: 'app/x', extra: 1 }]), 400, 'INVALID_ARGUMENT', 'events.0.extra')
    expect(await head()).toEqual(before)
  })

  describe('filters', () => {
    let fixture: AuditEvent[]
    const seqs = (list: AuditEvent[]) => list.map((e) => e.seq)
    /** The fixture's events that satisfy `p`, newest first. */
    const expected = (p: (e: AuditEvent) => boolean) => seqs(fixture.filter(p)).reverse()

    beforeAll(async () => {
      const alice = { kind: 'user', id: 'alice.fx@example.com', email: 'alice.fx@example.com' }
      const bob = { kind: 'user', id: 'bob' }
      const carol = { kind: 'user', email: 'carol@example.com' }
      fixture = await written([
        {
          event: 'fx/view',
          actor: alice,
          timestamp: T('10:00:00'),
          resources: [{ kind: 'customer', id: 'c1' }],
        },
        {
          event: 'fx/edit',
          actor: bob,
          timestamp: T('10:05:00'),
          resources: [{ kind: 'customer', id: 'c2' }],
        },
        {
          event: 'fx/view',
          actor: alice,
          timestamp: T('10:10:00'),
          resources: [
            { kind: 'customer', id: 'c1' },
            { kind: 'invoice', id: 'i1' },
            { kind: 'invoice', id: 'i2' },
          ],
        },
        {
          event: 'fx/edit',
          actor: carol,
          timestamp: T('10:15:00'),
          resources: [{ kind: 'invoice', id: 'i1' }],
        },
        // Written later but dated earlier: order is the chain's, time only filters.
        {
          event: 'fx/view',
          actor: bob,
          timestamp: T('09:00:00'),
          resources: [{ kind: 'customer', id: 'c1' }],
        },
        { event: 'fx/export', actor: alice, timestamp: T('10:20:00') },
      ])
    })

    it('by actor id, or email for an actor without id', async () => {
      expect(seqs(await listed({ actor: 'alice.fx@example.com' }))).toEqual(
        expected((e) => e.actor?.id === 'alice.fx@example.com'),
      )
      expect(seqs(await listed({ actor: 'bob' }))).toEqual(expected((e) => e.actor?.id === 'bob'))
      expect(seqs(await listed({ actor: 'carol@example.com' }))).toEqual([fixture[3]?.seq])
      expect(await listed({ actor: 'nobody' })).toEqual([])
    })

    it('by resource kind and id, or kind alone (an event with two of a kind once)', async () => {
      const has = (kind: string, id?: string) => (e: AuditEvent) =>
        (e.resources ?? []).some((r) => r.kind === kind && (id === undefined || r.id === id))
      expect(seqs(await listed({ resourceKind: 'customer', resourceId: 'c1' }))).toEqual(
        expected(has('customer', 'c1')),
      )
      expect(seqs(await listed({ resourceKind: 'invoice', resourceId: 'i1' }))).toEqual(
        expected(has('invoice', 'i1')),
      )
      expect(seqs(await listed({ resourceKind: 'invoice' }))).toEqual(expected(has('invoice')))
      expect(seqs(await listed({ resourceKind: 'customer', resourceId: 'nope' }))).toEqual([])
      // The id alone names nothing: c1 as an invoice does not exist.
      expect(await listed({ resourceKind: 'invoice', resourceId: 'c1' })).toEqual([])
    })

    it('by event name', async () => {
      expect(seqs(await listed({ event: 'fx/edit' }))).toEqual(expected((e) => e.event === 'fx/edit'))
      expect(seqs(await listed({ event: 'fx/view', ascending: 'true' }))).toEqual(
        expected((e) => e.event === 'fx/view').reverse(),
      )
    })

    it('by time range: startTime inclusive, endTime exclusive, any RFC 3339 offset', async () => {
      const inRange = (from: string, to: string) => (e: AuditEvent) =>
        Date.parse(e.timestamp ?? '') >= Date.parse(T(from)) &&
        Date.parse(e.timestamp ?? '') < Date.parse(T(to))
      expect(seqs(await listed({ startTime: T('10:05:00'), endTime: T('10:15:00') }))).toEqual(
        expected(inRange('10:05:00', '10:15:00')),
      )
      expect(
        seqs(await listed({ startTime: '2025-03-01T11:05:00+01:00', endTime: T('10:15:00.001') })),
      ).toEqual(expected(inRange('10:05:00', '10:15:00.001')))
      expect(seqs(await listed({ startTime: T('00:00:00'), endTime: T('09:30:00') }))).toEqual([
        fixture[4]?.seq,
      ])
      const since = await listed({
        startTime: T('10:00:00'),
        endTime: '2025-03-02T00:00:00Z',
        ascending: 'true',
      })
      expect(seqs(since)).toEqual(expected(inRange('10:00:00', '10:20:01')).reverse())
    })

    it('combined: each filter narrows', async () => {
      expect(
        seqs(
          await listed({
            actor: 'alice.fx@example.com',
            resourceKind: 'customer',
            resourceId: 'c1',
            event: 'fx/view',
            startTime: T('10:05:00'),
          }),
        ),
      ).toEqual([fixture[2]?.seq])
      expect(seqs(await listed({ actor: 'bob', resourceKind: 'customer' }))).toEqual(
        expected((e) => e.actor?.id === 'bob'),
      )
      expect(
        seqs(await listed({ event: 'fx/view', startTime: T('09:00:00'), endTime: T('10:00:00') })),
      ).toEqual([fixture[4]?.seq])
    })
  })

  it('pages through every event once, in order, in both directions and under filters', async () => {
    const batch = await written(
      Array.from({ length: 53 }, (_, i) => ({
        event: 'page/item',
        actor: { kind: 'user', id: i % 2 ? 'odd' : 'even' },
        resources: [{ kind: 'page', id: 'p' }],
        timestamp: new Date(Date.UTC(2025, 5, 1) + i * 1000).toISOString(),
      })),
    )
    const want = batch.map((e) => e.seq)
    for (const q of <Record<string, string>[]>[
      { event: 'page/item' },
      { resourceKind: 'page', resourceId: 'p' },
      { resourceKind: 'page' },
      { startTime: '2025-06-01T00:00:00Z', endTime: '2025-06-02T00:00:00Z' },
    ]) {
      const desc = await all({ ...q, pageSize: '7' })
      expect(desc.pages).toBe(8)
      expect(desc.events.map((e) => e.seq)).toEqual([...want].reverse())
      const asc = await all({ ...q, pageSize: '10', ascending: 'true' })
      expect(asc.pages).toBe(6)
      expect(asc.events.map((e) => e.seq)).toEqual(want)
    }
    const odd = await all({ actor: 'odd', pageSize: '5' })
    expect(odd.events.map((e) => e.seq)).toEqual(want.filter((_, i) => i % 2).reverse())
    // The whole log, page by page, is the chain.
    const whole = await all({ pageSize: '9', ascending: 'true' })
    expect(whole.events.map((e) => e.seq)).toEqual(
      Array.from({ length: whole.events.length }, (_, i) => i + 1),
    )
    expect(whole.events.length).toBe((await head())?.seq)
    // A page exactly as large as what is left ends the list.
    const exact = await json<ListResponse>(list({ event: 'page/item', pageSize: '53' }))
    expect(exact.events).toHaveLength(53)
    expect(exact.nextPageToken).toBeUndefined()
  })

  it('a time range too large to sort is walked in chain order, page by page', async () => {
    const n = TIME_RANGE_SORT_LIMIT + 150
    const from = Date.UTC(2024, 0, 1)
    const want: number[] = []
    for (let start = 0; start < n; start += 1000) {
      const chunk = await written(
        Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({
          event: 'bulk/item',
          timestamp: new Date(from + (start + i) * 1000).toISOString(),
        })),
      )
      want.push(...chunk.map((e) => e.seq))
    }
    const range = {
      startTime: new Date(from).toISOString(),
      endTime: new Date(from + n * 1000).toISOString(),
    }
    const desc = await all({ ...range, pageSize: '1000' })
    expect(desc.events.map((e) => e.seq)).toEqual([...want].reverse())
    const asc = await all({ ...range, pageSize: '999', ascending: 'true' })
    expect(asc.events.map((e) => e.seq)).toEqual(want)
    // The same range less its first second: still everything else, in order.
    const later = await all({ ...range, startTime: new Date(from + 1000).toISOString(), pageSize: '1000' })
    expect(later.events.map((e) => e.seq)).toEqual(want.slice(1).reverse())
  })

  it('refuses bad times, page tokens and filters with 400 and the parameter', async () => {
    const bad: [Record<string, string>, string][] = [
      [{ startTime: 'yesterday' }, 'startTime'],
      [{ startTime: '2026-01-01' }, 'startTime'],
      [{ startTime: '2026-01-01T00:00:00' }, 'startTime'],
      [{ endTime: '2026-02-30T00:00:00Z' }, 'endTime'],
      [{ endTime: '2026-01-01T24:00:00Z' }, 'endTime'],
      [{ startTime: T('10:00:00'), endTime: T('09:00:00') }, 'endTime'],
      [{ startTime: T('10:00:00'), endTime: T('10:00:00') }, 'endTime'],
      [{ pageToken: 'not-a-token' }, 'pageToken'],
      [{ pageToken: Buffer.from('-1').toString('base64url') }, 'pageToken'],
      [{ pageToken: Buffer.from('"7"').toString('base64url') }, 'pageToken'],
      [{ pageToken: Buffer.from('1.5').toString('base64url') }, 'pageToken'],
      [{ resourceId: 'c1' }, 'resourceKind'],
      [{ pageSize: '0' }, 'pageSize'],
      [{ ascending: 'yes' }, 'ascending'],
    ]
    for (const [query, param] of bad) {
      await expectError(await list(query), 400, 'INVALID_ARGUMENT', param)
    }
  })

  it('needs the editor role: viewers and petition admins get 403, for reading and writing', async () => {
    const viewer = await newToken('default', 'audit-viewer', ['viewer'])
    const petitionAdmin = await newToken('default', 'audit-portal', ['petitionAdmin'])
    const before = await head()
    for (const token of [viewer, petitionAdmin]) {
      await expectError(await list({}, token), 403, 'PERMISSION_DENIED')
      await expectError(await write([{ event: 'app/sneak' }], token), 403, 'PERMISSION_DENIED')
    }
    expect(await head()).toEqual(before)
    const editor = await newToken('default', 'audit-editor', ['editor'])
    expect((await json<ListResponse>(list({ pageSize: '1' }, editor))).events).toHaveLength(1)
  })

  it("never shows another space's log: 404, and each space has its own chain", async () => {
    const admin = await adminToken(s)
    await json(s.call('POST', '/v1/spaces', { token: admin, body: { space: { name: 'other' } } }), 201)
    const otherToken = await newToken('other', 'other-bot', ['editor'], admin)
    const [inOther] = await json<{ events: AuditEvent[] }>(
      s.call('POST', '/v1/spaces/other/events:write', {
        token: otherToken,
        body: { events: [{ event: 'other/secret' }] },
      }),
    ).then((r) => r.events)
    // The other space's chain starts at its own genesis.
    const otherAll = await json<ListResponse>(
      s.call('GET', '/v1/spaces/other/events?ascending=true', { token: otherToken }),
    )
    expect(otherAll.events[0]?.seq).toBe(1)
    expect(otherAll.events[otherAll.events.length - 1]).toEqual(inOther)

    await expectError(await s.call('GET', '/v1/spaces/other/events'), 404, 'NOT_FOUND')
    await expectError(
      await s.call('POST', '/v1/spaces/other/events:write', { body: { events: [{ event: 'app/x' }] } }),
      404,
      'NOT_FOUND',
    )
    await expectError(await s.call('GET', events, { token: otherToken }), 404, 'NOT_FOUND')
    expect(await listed({ event: 'other/secret' })).toEqual([])
  })

  it('is described in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      s.call('GET', '/v1/openapi.json'),
    )
    expect(Object.keys(doc.paths[`/v1/spaces/{space}/events`] ?? {})).toContain('get')
    expect(Object.keys(doc.paths[`/v1/spaces/{space}/events:write`] ?? {})).toContain('post')
  })
})
