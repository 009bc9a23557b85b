import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
