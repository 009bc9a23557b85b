import type { Resource } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wireResource } from '../../src/http/wire.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

describe.each(ENGINES)('resources API on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default/resources'
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const customers = (n: number, plan = 'pro') =>
    Array.from({ length: n }, (_, i) => ({
      kind: 'customer',
      id: `cus_${String(i).padStart(4, '0')}`,
      displayName: `Customer ${i}`,
      labels: { plan, tier: i % 2 ? 'odd' : 'even' },
    }))

  it('bulk-updates, lists with a selector and pages through with keyset tokens', async () => {
    const put = await s.call('PUT', `${base}:bulkUpdate`, { body: { resources: customers(25) } })
    expect(put.status).toBe(200)
    const { resources } = (await put.json()) as {
      resources: { name: string; labels: Record<string, string> }[]
    }
    expect(resources).toHaveLength(25)

    const seen: string[] = []
    let pageToken: string | undefined
    do {
      const q = new URLSearchParams({ pageSize: '10', labelSelector: 'plan=pro,tier in (odd)' })
      if (pageToken) q.set('pageToken', pageToken)
      const res = await s.call('GET', `${base}?${q}`)
      expect(res.status).toBe(200)
      const page = (await res.json()) as {
        resources: { id: string; labels: { tier: string } }[]
        nextPageToken?: string
      }
      for (const r of page.resources) {
        expect(r.labels.tier).toBe('odd')
        seen.push(r.id)
      }
      pageToken = page.nextPageToken
    } while (pageToken)
    expect(seen).toHaveLength(12)
    expect([...seen].sort()).toEqual(seen)
  })

  const spaceId = async () => {
    const space = await s.rt.store.spaces.byName('default')
    if (!space) throw new Error('no default space')
    return space.id
  }

  it('re-running the same upload changes only update times and writes no audit event', async () => {
    const before = await s.rt.store.audit.head(await spaceId())
    s.clock.advance(60_000)
    const res = await s.call('POST', `${base}:bulkUpdate`, { body: { resources: customers(25) } })
    expect(res.status).toBe(200)
    // The answer counts what was already stored as sent, so an uploader can say "25 unchanged".
    expect(((await res.json()) as { unchanged: number }).unchanged).toBe(25)
    const after = await s.rt.store.audit.head(await spaceId())
    expect(after?.seq).toBe(before?.seq)
    // One changed, one new, the rest as they were.
    const edited = customers(26)
    const first = edited[0]
    if (first) first.displayName = 'Renamed'
    const mixed = await s.call('POST', `${base}:bulkUpdate`, { body: { resources: edited } })
    const body = (await mixed.json()) as { resources: unknown[]; unchanged: number }
    expect([body.resources.length, body.unchanged]).toEqual([26, 24])
    await s.call('POST', `${base}:bulkUpdate`, { body: { resources: customers(25) } })
    await s.call('DELETE', `${base}/${(body.resources[25] as { name: string }).name}`)
    const one = (await (await s.call('GET', `${base}?pageSize=1`)).json()) as {
      resources: { meta: { createTime: string; updateTime: string } }[]
    }
    const meta = one.resources[0]?.meta
    if (!meta) throw new Error('no resource listed')
    expect(Date.parse(meta.updateTime) - Date.parse(meta.createTime)).toBe(60_000)
  })

  describe('Prefer: return=minimal', () => {
    const orgs = (ids: number[], renamed: number[] = []) =>
      ids.map((i) => ({
        kind: 'org',
        id: `org_${i}`,
        displayName: renamed.includes(i) ? `Org ${i}!` : `Org ${i}`,
      }))
    const upload = (resources: unknown[], prefer = 'return=minimal') =>
      s.call('POST', `${base}:bulkUpdate`, { body: { resources }, headers: { prefer } })
    const latestEvent = async () => {
      const res = await s.call('GET', '/v1/spaces/default/events?pageSize=1')
      const { events } = (await res.json()) as { events: { event: string; resources?: { id: string }[] }[] }
      return events[0]
    }

    it('answers with counts instead of the resources, says so, and writes what the full answer would', async () => {
      const first = await upload(orgs([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
      expect(first.status).toBe(200)
      expect(first.headers.get('preference-applied')).toBe('return=minimal')
      expect(await first.json()).toEqual({ count: 10, created: 10, updated: 0, unchanged: 0 })
      s.clock.advance(1000)
      // New and stored rows in turns, so that each guess of which statement a row needs is wrong once.
      const ids = [10, 0, 11, 1, 12, 2, 13, 3, 14, 15, 4, 5, 16, 6, 17, 18, 19, 7, 8, 9]
      const second = await upload(orgs(ids, [0, 5, 9]))
      expect(await second.json()).toEqual({ count: 20, created: 10, updated: 3, unchanged: 7 })
      const event = await latestEvent()
      expect(event?.event).toBe('resource/update')
      expect(event?.resources?.map((r) => r.id).sort()).toEqual(
        [10, 0, 11, 12, 13, 14, 15, 5, 16, 17, 18, 19, 9].map((i) => `org_${i}`).sort(),
      )
      const listed = await s.call('GET', `${base}?kind=org&pageSize=100`)
      const { resources } = (await listed.json()) as {
        resources: { id: string; displayName: string; meta: { createTime: string; updateTime: string } }[]
      }
      const byId = new Map(resources.map((r) => [r.id, r]))
      expect(byId.size).toBe(20)
      expect(byId.get('org_5')?.displayName).toBe('Org 5!')
      const times = (id: string) => {
        const meta = byId.get(id)?.meta
        return meta && Date.parse(meta.updateTime) - Date.parse(meta.createTime)
      }
      // Stored rows keep their creation time and move their update time; new ones have both now.
      expect([times('org_1'), times('org_5'), times('org_10')]).toEqual([1000, 1000, 0])
    })

    it('counts a row stored in the same millisecond as existing, not new', async () => {
      const teams = (n: number, renamed = -1) =>
        Array.from({ length: n }, (_, i) => ({
          kind: 'team',
          id: `t${i}`,
          displayName: i === renamed ? 'x' : `T${i}`,
        }))
      expect(await (await upload(teams(5))).json()).toEqual({
        count: 5,
        created: 5,
        updated: 0,
        unchanged: 0,
      })
      // The clock has not moved: a stored row's creation time equals this upload's time.
      expect(await (await upload(teams(6, 2))).json()).toEqual({
        count: 6,
        created: 1,
        updated: 1,
        unchanged: 4,
      })
    })

    it('is one preference among others; return=representation or none gets the resources', async () => {
      const both = await upload(orgs([0]), 'respond-async, return=minimal')
      expect(await both.json()).toMatchObject({ count: 1 })
      for (const prefer of ['return=representation', 'handling=strict']) {
        const full = await upload(orgs([0]), prefer)
        expect(full.headers.get('preference-applied')).toBeNull()
        expect(((await full.json()) as { resources: unknown[] }).resources).toHaveLength(1)
      }
    })

    it('replays counts under their Idempotency-Key, saying so, and refuses the key for the full answer', async () => {
      const send = (key: string, prefer?: string) =>
        s.call('POST', `${base}:bulkUpdate`, {
          body: { resources: orgs([40, 41]) },
          headers: { 'idempotency-key': key, ...(prefer ? { prefer } : {}) },
        })
      const first = await send('sync-1', 'return=minimal')
      const counts = await first.json()
      expect(counts).toEqual({ count: 2, created: 2, updated: 0, unchanged: 0 })
      const replay = await send('sync-1', 'return=minimal')
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.headers.get('preference-applied')).toBe('return=minimal')
      expect(await replay.json()).toEqual(counts)
      // The same body without the preference is another request: its answer would differ.
      const full = await send('sync-1')
      expect(full.status).toBe(400)
      expect(full.headers.get('preference-applied')).toBeNull()
      // And a key first used for the full answer replays it without the header.
      expect((await send('sync-2')).status).toBe(200)
      const fullReplay = await send('sync-2')
      expect(fullReplay.headers.get('idempotent-replayed')).toBe('true')
      expect(fullReplay.headers.get('preference-applied')).toBeNull()
      expect(((await fullReplay.json()) as { resources: unknown[] }).resources).toHaveLength(2)
    })
  })

  it('answers a 12,000-resource upload with each resource as stored, in the order sent, in one body', async () => {
    // Several statements on PostgreSQL, each returning only the rows that were there already.
    const accounts = Array.from({ length: 12_000 }, (_, i) => ({
      kind: 'account',
      id: `acc_${String(i).padStart(5, '0')}${i % 1000 === 7 ? '"\\é' : ''}`,
      labels: { n: String(i % 10) },
      ...(i % 3 ? { displayName: `Account ${i}` } : {}),
    }))
    // A repeat keeps its last place and content, as applying the list in order would.
    const repeat = { ...(accounts[5] as (typeof accounts)[number]), labels: { n: 'again' } }
    const sent = [...accounts, repeat]
    const expected = [...accounts.slice(0, 5), ...accounts.slice(6), repeat]
    const stored = async () => {
      const records = await s.rt.store.resources.list(await spaceId(), { kind: 'account', limit: 20_000 })
      return new Map(records.map((r) => [r.id, wireResource('default', r)]))
    }

    const first = await s.call('POST', `${base}:bulkUpdate`, { body: { resources: sent } })
    expect(first.status).toBe(200)
    const answer = (await first.json()) as { resources: Resource[]; unchanged: number }
    expect(answer.unchanged).toBe(0)
    expect(answer.resources.map((r) => [r.id, r.labels])).toEqual(expected.map((r) => [r.id, r.labels]))
    let byId = await stored()
    expect(answer.resources).toEqual(answer.resources.map((r) => byId.get(r.id)))

    s.clock.advance(1_000)
    const changed = expected.map((r, i) => (i % 2_500 === 0 ? { ...r, labels: { n: 'changed' } } : r))
    const again = await s.call('POST', `${base}:bulkUpdate`, { body: { resources: changed } })
    const second = (await again.json()) as { resources: Resource[]; unchanged: number }
    expect(second.unchanged).toBe(12_000 - 5)
    expect(second.resources.map((r) => [r.id, r.labels])).toEqual(changed.map((r) => [r.id, r.labels]))
    byId = await stored()
    expect(second.resources).toEqual(second.resources.map((r) => byId.get(r.id)))
  })

  it('gets, replaces and deletes one resource by name', async () => {
    const created = await s.call('POST', base, {
      body: { resource: { kind: 'user', id: 'u1', email: 'u1@example.com' } },
    })
    expect(created.status).toBe(201)
    const { name } = (await created.json()) as { name: string }
    const again = await s.call('POST', base, { body: { resource: { kind: 'user', id: 'u1' } } })
    expect(again.status).toBe(409)
    const put = await s.call('PUT', `${base}/${name}`, {
      body: { resource: { kind: 'user', id: 'u1', labels: { team: 'a' } } },
    })
    expect(((await put.json()) as { labels: unknown }).labels).toEqual({ team: 'a' })
    expect((await s.call('DELETE', `${base}/${name}`)).status).toBe(200)
    expect((await s.call('GET', `${base}/${name}`)).status).toBe(404)
  })
})
