import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseLabelSelector } from '../../src/domain/labels/selector.js'
import { type ResourceContent, type ResourceRecord, resourceName } from '../../src/domain/resources/types.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

const user = (id: string, labels: Record<string, string> = {}): ResourceContent => ({
  kind: 'user',
  id,
  displayName: `User ${id}`,
  email: `${id}@example.com`,
  labels,
})

/** Every row of a space, walked page by page with the keyset cursor. */
async function walk(store: Store, spaceId: string, limit: number, kind?: string): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = []
  let after: { kind: string; id: string } | undefined
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.resources.list(spaceId, { kind, after, limit })
    expect(page.length).toBeLessThanOrEqual(limit)
    out.push(...page)
    const last = page[page.length - 1]
    if (page.length < limit || !last) return out
    after = { kind: last.kind, id: last.id }
  }
  throw new Error('the walk did not end')
}

const names = (records: ResourceRecord[]) => records.map((r) => r.name).sort()
const ids = (records: { id: string }[]) => records.map((r) => r.id).sort()

describe.each(ENGINES)('resource store on %s', (engine) => {
  let t: TestStore
  let store: Store
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
  })
  afterAll(() => t.close())

  describe('summaries', () => {
    it('reads the named resources of one space in one call, skipping names that do not exist', async () => {
      const space = await createSpace(store)
      const other = await createSpace(store)
      await store.resources.upsert(space, [user('m1', { plan: 'pro' }), user('m2')], T0, 'w1')
      await store.resources.upsert(other, [user('m3')], T0, 'w1')
      const found = await store.resources.summaries(space, [
        resourceName('user', 'm1'),
        resourceName('user', 'm2'),
        resourceName('user', 'm3'),
        resourceName('user', 'nobody'),
      ])
      expect(ids(found)).toEqual(['m1', 'm2'])
      expect(found.find((r) => r.id === 'm1')).toEqual({
        kind: 'user',
        id: 'm1',
        name: resourceName('user', 'm1'),
        displayName: 'User m1',
        labels: { plan: 'pro' },
      })
      expect(await store.resources.summaries(space, [])).toEqual([])
    })
  })

  // In a write transaction (as bulkUpdate runs it) SQLite upserts row by row through prepared
  // statements; directly on the store it takes multi-row statements. Both must agree.
  describe.each(['in a transaction', 'directly'] as const)('upsert %s', (via) => {
    const upsert = (...args: Parameters<Store['resources']['upsert']>) =>
      via === 'directly'
        ? store.resources.upsert(...args)
        : store.transaction((tx) => tx.resources.upsert(...args))

    it('inserts new resources and reports all of them as changed', async () => {
      const space = await createSpace(store)
      const items = [user('u1', { team: 'a' }), user('u2'), { kind: 'group', id: 'g1', labels: {} }]

      const out = await upsert(space, items, T0, 'w1')

      expect(out.resources.map((r) => r.id)).toEqual(['u1', 'u2', 'g1'])
      expect(names(out.changed)).toEqual(names(out.resources))
      for (const [i, item] of items.entries()) {
        const stored = await store.resources.get(space, resourceName(item.kind, item.id))
        expect(stored).toEqual({
          ...item,
          name: resourceName(item.kind, item.id),
          createTime: T0,
          updateTime: T0,
        })
        expect(out.resources[i]).toEqual(stored)
      }
    })

    it('reports nothing changed for the same content under a new write id, but moves update_time', async () => {
      const space = await createSpace(store)
      const items = [user('u1', { team: 'a' }), user('u2', { team: 'b' })]
      await upsert(space, items, T0, 'w1')

      const again = await upsert(space, items, T0 + 5_000, 'w2')

      expect(again.changed).toEqual([])
      expect(again.resources).toHaveLength(2)
      for (const r of again.resources) {
        expect(r.createTime).toBe(T0)
        expect(r.updateTime).toBe(T0 + 5_000)
        const stored = await store.resources.get(space, r.name)
        expect(stored?.createTime).toBe(T0)
        expect(stored?.updateTime).toBe(T0 + 5_000)
      }
    })

    it('reports only the resource whose label changed, and keeps create_time', async () => {
      const space = await createSpace(store)
      await upsert(space, [user('u1', { team: 'a' }), user('u2', { team: 'b' })], T0, 'w1')

      const out = await upsert(
        space,
        [user('u1', { team: 'a' }), user('u2', { team: 'c' })],
        T0 + 1_000,
        'w2',
      )

      expect(out.changed.map((r) => r.id)).toEqual(['u2'])
      expect(out.changed[0]?.labels).toEqual({ team: 'c' })
      expect(out.changed[0]?.createTime).toBe(T0)
      const stored = await store.resources.get(space, resourceName('user', 'u2'))
      expect(stored).toMatchObject({ labels: { team: 'c' }, createTime: T0, updateTime: T0 + 1_000 })
    })

    it('counts a changed display name, email or alt id as a change, and dropping an email too', async () => {
      const space = await createSpace(store)
      const base = [user('a'), user('b'), user('c'), user('d')]
      await upsert(space, base, T0, 'w1')

      const out = await upsert(
        space,
        [
          { ...user('a'), displayName: 'Renamed' },
          { ...user('b'), email: 'other@example.com' },
          { ...user('c'), altIds: ['c-alt'] },
          { kind: 'user', id: 'd', displayName: 'User d', labels: {} },
        ],
        T0 + 1_000,
        'w2',
      )

      expect(ids(out.changed)).toEqual(['a', 'b', 'c', 'd'])
      const d = await store.resources.get(space, resourceName('user', 'd'))
      expect(d).not.toHaveProperty('email')
      const c = await store.resources.get(space, resourceName('user', 'c'))
      expect(c?.altIds).toEqual(['c-alt'])
    })

    // Row by row, each row's first statement is chosen by what the one before it turned out to be (new,
    // unchanged or changed): this order follows every kind by every other.
    it('sorts new, unchanged and changed rows in any order, including null columns and reordered labels', async () => {
      const space = await createSpace(store)
      const group = (id: string, labels: Record<string, string> = {}) => ({ kind: 'group', id, labels })
      const seeded = [user('a'), user('b'), user('c'), user('d'), group('g0'), user('r', { x: '1', y: '2' })]
      await upsert(space, seeded, T0, 'w1')
      const later = T0 + 1_000
      const sent = [
        user('n1'),
        user('a'),
        user('n2'),
        group('g0'),
        user('c'),
        user('r', { y: '2', x: '1' }),
        user('b', { team: 'new' }),
        { kind: 'user', id: 'd', displayName: 'User d', labels: {} },
        group('g0-new'),
        user('n3'),
        user('a2'),
      ]

      const out = await upsert(space, sent, later, 'w2')

      const fresh = ['n1', 'n2', 'g0-new', 'n3', 'a2']
      expect(out.created).toBe(fresh.length)
      expect(ids(out.changed)).toEqual([...fresh, 'b', 'd'].sort())
      expect(out.resources.map((r) => r.id)).toEqual(sent.map((s) => s.id))
      for (const [i, item] of sent.entries()) {
        const stored = await store.resources.get(space, resourceName(item.kind, item.id))
        expect(out.resources[i]).toEqual(stored)
        expect(stored).toMatchObject({
          name: resourceName(item.kind, item.id),
          labels: item.labels,
          createTime: fresh.includes(item.id) ? later : T0,
          updateTime: later,
        })
      }
      expect(await store.resources.get(space, resourceName('user', 'd'))).not.toHaveProperty('email')
      // Sent again as they are now stored: nothing changed, whatever the order.
      const again = await upsert(space, [...sent].reverse(), later + 1, 'w3')
      expect(again.changed).toEqual([])
      expect(again.created).toBe(0)
      for (const r of again.resources) {
        expect(r).toEqual(await store.resources.get(space, resourceName(r.kind, r.id)))
        expect(r.updateTime).toBe(later + 1)
      }
    })

    it('only counts the unchanged rows when told not to read them back, and stores the same', async () => {
      const space = await createSpace(store)
      const seeded = [user('a'), user('b', { team: 'x' }), user('c'), user('d')]
      await upsert(space, seeded, T0, 'w1')
      const later = T0 + 1_000
      const sent = [user('a'), user('c'), user('b', { team: 'y' }), user('n'), user('d'), user('c2')]

      const out = await upsert(space, sent, later, 'w2', { readUnchanged: false })

      expect(out.unchanged).toBe(2 + 1)
      expect(out.created).toBe(2)
      expect(ids(out.changed)).toEqual(['b', 'c2', 'n'])
      // In order, without the unchanged ones.
      expect(out.resources.map((r) => r.id)).toEqual(['b', 'n', 'c2'])
      for (const item of sent) {
        const stored = await store.resources.get(space, resourceName(item.kind, item.id))
        expect(stored).toMatchObject({ labels: item.labels, updateTime: later })
        expect(stored?.createTime).toBe(['n', 'c2'].includes(item.id) ? later : T0)
      }
      const read = await upsert(space, sent, later + 1, 'w3')
      expect(read.unchanged).toBe(sent.length)
      expect(read.resources.map((r) => r.id)).toEqual(sent.map((s) => s.id))
    })

    it('upserts 2,500 rows over several statements and finds changes in every chunk', async () => {
      const space = await createSpace(store)
      const items = Array.from({ length: 2_500 }, (_, i) => ({
        kind: i % 2 ? 'user' : 'group',
        id: `r${String(i).padStart(5, '0')}`,
        labels: { n: String(i) },
      }))

      const first = await upsert(space, items, T0, 'w1')
      expect(first.resources).toHaveLength(2_500)
      expect(first.changed).toHaveLength(2_500)
      expect(first.resources.map((r) => r.id)).toEqual(items.map((i) => i.id))

      const touched = new Set([0, 999, 1_000, 1_999, 2_000, 2_499])
      const next = items.map((item, i) => (touched.has(i) ? { ...item, labels: { n: 'x' } } : item))
      const second = await upsert(space, next, T0 + 1_000, 'w2')
      expect(second.resources).toHaveLength(2_500)
      expect(ids(second.changed)).toEqual([...touched].map((i) => items[i]?.id).sort())
      expect(second.resources.every((r) => r.createTime === T0 && r.updateTime === T0 + 1_000)).toBe(true)
      // As stored, too: the unchanged rows of both kinds had their update time moved.
      const stored = await walk(store, space, 1_000)
      expect(stored).toHaveLength(2_500)
      expect(stored.every((r) => r.createTime === T0 && r.updateTime === T0 + 1_000)).toBe(true)
      expect(ids(stored.filter((r) => r.labels.n === 'x'))).toEqual(
        [...touched].map((i) => items[i]?.id).sort(),
      )
    })
    it('keeps values of any text and the order of 11,000 rows over several statements', async () => {
      const space = await createSpace(store)
      const awkward = ['a"b', 'c\\d', '\\"', 'NULL', '{x,y}', '[1, 2]', ' spaced ', 'é 😀', "it's", '']
      const at = (i: number) => awkward[i % awkward.length] as string
      const items: ResourceContent[] = Array.from({ length: 11_000 }, (_, i) => {
        const item: ResourceContent = {
          kind: i % 7 ? 'user' : `k${at(i)}`,
          id: `${at(i + 3)}${String(i).padStart(5, '0')}`,
          labels: { [`l${at(i)}`]: at(i + 1) },
        }
        if (i % 3) item.displayName = at(i + 2)
        if (i % 5) item.email = `${at(i)}@example.com`
        if (i % 4 === 0) item.altIds = [at(i + 4), 'plain']
        return item
      })
      const stored = (all: ResourceRecord[]) =>
        new Map(all.map((r) => [`${r.kind}\u0000${r.id}`, r] as const))

      const first = await upsert(space, items, T0, 'w1')
      expect(first.created).toBe(11_000)
      expect(first.resources.map((r) => [r.kind, r.id])).toEqual(items.map((r) => [r.kind, r.id]))
      let byKey = stored(await walk(store, space, 5_000))
      for (const [i, item] of items.entries()) {
        expect(byKey.get(`${item.kind}\u0000${item.id}`)).toEqual(first.resources[i])
        expect(first.resources[i]).toEqual({
          ...item,
          name: resourceName(item.kind, item.id),
          createTime: T0,
          updateTime: T0,
        })
      }

      // Changes on both sides of every statement's edge (1,000 rows on SQLite, 5,000 on PostgreSQL).
      const touched = new Set([0, 999, 1_000, 4_999, 5_000, 9_999, 10_000, 10_999])
      const next = items.map((item, i) => (touched.has(i) ? { ...item, displayName: 'x"\\' } : item))
      const second = await upsert(space, next, T0 + 1_000, 'w2')
      expect(second.created).toBe(0)
      expect(second.unchanged).toBe(11_000 - touched.size)
      expect(second.changed.map((r) => r.id)).toEqual(
        [...touched].sort((a, b) => a - b).map((i) => items[i]?.id),
      )
      expect(second.resources.map((r) => r.id)).toEqual(items.map((r) => r.id))
      byKey = stored(await walk(store, space, 5_000))
      for (const item of next) {
        expect(byKey.get(`${item.kind}\u0000${item.id}`)).toEqual({
          ...item,
          name: resourceName(item.kind, item.id),
          createTime: T0,
          updateTime: T0 + 1_000,
        })
      }
    })
  })

  describe('insert and replace', () => {
    it('insert creates a new resource and returns undefined for an existing (kind, id)', async () => {
      const space = await createSpace(store)
      const created = await store.resources.insert(space, user('u1', { team: 'a' }), T0, 'w1')
      expect(created).toEqual({
        ...user('u1', { team: 'a' }),
        name: resourceName('user', 'u1'),
        createTime: T0,
        updateTime: T0,
      })

      const again = await store.resources.insert(space, user('u1', { team: 'b' }), T0 + 1_000, 'w2')

      expect(again).toBeUndefined()
      const stored = await store.resources.get(space, resourceName('user', 'u1'))
      expect(stored).toMatchObject({ labels: { team: 'a' }, updateTime: T0 })
      expect(await store.resources.insert(space, user('u1'), T0, 'w3').then((r) => r?.kind)).toBeUndefined()
      expect(
        (await store.resources.insert(space, { kind: 'group', id: 'u1', labels: {} }, T0, 'w4'))?.kind,
      ).toBe('group')
    })

    it('replace changes an existing resource in place and returns undefined for a missing name', async () => {
      const space = await createSpace(store)
      await store.resources.insert(space, user('u1', { team: 'a' }), T0, 'w1')
      const name = resourceName('user', 'u1')

      const replaced = await store.resources.replace(
        space,
        name,
        { kind: 'user', id: 'u1', labels: { team: 'b' } },
        T0 + 1_000,
      )

      expect(replaced).toEqual({
        kind: 'user',
        id: 'u1',
        name,
        labels: { team: 'b' },
        createTime: T0,
        updateTime: T0 + 1_000,
      })
      expect(await store.resources.get(space, name)).toEqual(replaced)
      expect(
        await store.resources.replace(space, resourceName('user', 'nobody'), user('nobody'), T0),
      ).toBeUndefined()
      expect(await store.resources.get(space, resourceName('user', 'nobody'))).toBeUndefined()
    })
  })

  describe('list', () => {
    it('walks 2,500 rows with after and limit in (kind, id) order, with no duplicates or gaps', async () => {
      const space = await createSpace(store)
      const items = Array.from({ length: 2_500 }, (_, i) => ({
        kind: ['group', 'user', 'app'][i % 3] ?? 'user',
        id: `k${String((i * 7919) % 2_500).padStart(5, '0')}`,
        labels: {},
      }))
      await store.resources.upsert(space, items, T0, 'w1')
      const expected = items.map((i) => `${i.kind}/${i.id}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

      const all = await walk(store, space, 333)

      expect(all.map((r) => `${r.kind}/${r.id}`)).toEqual(expected)
      expect(new Set(all.map((r) => r.name)).size).toBe(2_500)

      const users = await walk(store, space, 100, 'user')
      expect(users.map((r) => `${r.kind}/${r.id}`)).toEqual(expected.filter((k) => k.startsWith('user/')))
    })

    it('resumes after a cursor that names no stored row', async () => {
      const space = await createSpace(store)
      await store.resources.upsert(
        space,
        [user('a'), user('c'), { kind: 'zone', id: 'a', labels: {} }],
        T0,
        'w',
      )

      const page = await store.resources.list(space, { after: { kind: 'user', id: 'b' }, limit: 10 })

      expect(page.map((r) => `${r.kind}/${r.id}`)).toEqual(['user/c', 'zone/a'])
    })
  })

  describe('label selectors', () => {
    let space: string
    beforeAll(async () => {
      space = await createSpace(store)
      await store.resources.upsert(
        space,
        [
          {
            kind: 'user',
            id: 'r1',
            labels: { plan: 'pro', tier: 'a', 'indent.com/time/duration': '1h', owner: 'alice@example.com' },
          },
          { kind: 'user', id: 'r2', labels: { plan: 'free', tier: 'b', count: '10' } },
          { kind: 'user', id: 'r3', labels: { plan: 'pro', tier: 'c', legacy: 'true' } },
          { kind: 'user', id: 'r4', labels: {} },
          {
            kind: 'user',
            id: 'r5',
            labels: { tier: 'a', 'indent.com/time/duration': '24h', owner: 'bob@example.com' },
          },
          { kind: 'group', id: 'g1', labels: { plan: 'pro', tier: 'a' } },
        ],
        T0,
        'w1',
      )
      const other = await createSpace(store, 'other')
      await store.resources.upsert(
        other,
        [{ kind: 'user', id: 'x1', labels: { plan: 'pro', tier: 'a' } }],
        T0,
        'w',
      )
    })

    it.each([
      ['plan=pro', ['r1', 'r3']],
      ['plan==pro', ['r1', 'r3']],
      ['plan!=pro', ['r2', 'r4', 'r5']],
      ['tier in (a, b)', ['r1', 'r2', 'r5']],
      ['tier notin (a)', ['r2', 'r3', 'r4']],
      ['plan notin (pro, free)', ['r4', 'r5']],
      ['legacy', ['r3']],
      ['!legacy', ['r1', 'r2', 'r4', 'r5']],
      ['count=10', ['r2']],
      ['plan=enterprise', []],
      ['indent.com/time/duration', ['r1', 'r5']],
      ['!indent.com/time/duration', ['r2', 'r3', 'r4']],
      ['indent.com/time/duration=24h', ['r5']],
      ['indent.com/time/duration!=24h', ['r1', 'r2', 'r3', 'r4']],
      ['owner=alice@example.com', ['r1']],
      ['owner in (alice@example.com, bob@example.com)', ['r1', 'r5']],
      ['plan=pro,!legacy', ['r1']],
      ['plan!=free, tier notin (b), !owner', ['r3', 'r4']],
      ['tier in (a,c),plan!=free,indent.com/time/duration', ['r1', 'r5']],
      ['plan, plan!=pro', ['r2']],
    ])('%s on kind user selects %j', async (selector, expected) => {
      const rows = await store.resources.list(space, {
        kind: 'user',
        selector: parseLabelSelector(selector),
        limit: 100,
      })
      expect(ids(rows)).toEqual(expected)
    })

    it('applies the selector across kinds and together with the keyset cursor', async () => {
      const selector = parseLabelSelector('plan=pro,tier=a')
      const all = await store.resources.list(space, { selector, limit: 100 })
      expect(all.map((r) => `${r.kind}/${r.id}`)).toEqual(['group/g1', 'user/r1'])

      const after = await store.resources.list(space, {
        selector,
        after: { kind: 'group', id: 'g1' },
        limit: 100,
      })
      expect(after.map((r) => `${r.kind}/${r.id}`)).toEqual(['user/r1'])
      const limited = await store.resources.list(space, { selector, limit: 1 })
      expect(limited.map((r) => r.id)).toEqual(['g1'])
    })
  })

  describe('delete', () => {
    it('deletes by name and returns the deleted rows', async () => {
      const space = await createSpace(store)
      await store.resources.upsert(space, [user('a', { k: 'v' }), user('b'), user('c')], T0, 'w1')

      const deleted = await store.resources.delete(space, [
        resourceName('user', 'a'),
        resourceName('user', 'b'),
        resourceName('user', 'missing'),
      ])

      expect(deleted.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([
        { ...user('a', { k: 'v' }), name: resourceName('user', 'a'), createTime: T0, updateTime: T0 },
        { ...user('b'), name: resourceName('user', 'b'), createTime: T0, updateTime: T0 },
      ])
      expect(ids(await store.resources.list(space, { limit: 10 }))).toEqual(['c'])
      expect(await store.resources.delete(space, [resourceName('user', 'a')])).toEqual([])
      expect(await store.resources.delete(space, [])).toEqual([])
    })

    it('deletes more names than fit in one statement', async () => {
      const space = await createSpace(store)
      const items = Array.from({ length: 1_200 }, (_, i) => user(`d${String(i).padStart(4, '0')}`))
      await store.resources.upsert(space, items, T0, 'w1')

      const deleted = await store.resources.delete(
        space,
        items.slice(0, 1_100).map((i) => resourceName(i.kind, i.id)),
      )

      expect(deleted).toHaveLength(1_100)
      expect(await walk(store, space, 500)).toHaveLength(100)
    })
  })

  describe('spaces', () => {
    it('keeps every read and write inside its space', async () => {
      const a = await createSpace(store, 'a')
      const b = await createSpace(store, 'b')
      const name = resourceName('user', 'shared')
      await store.resources.upsert(a, [user('shared', { side: 'a' }), user('only-a')], T0, 'w1')

      expect(await store.resources.get(b, name)).toBeUndefined()
      expect(await store.resources.list(b, { limit: 10 })).toEqual([])
      expect(await store.resources.list(b, { selector: parseLabelSelector('side=a'), limit: 10 })).toEqual([])
      expect(await store.resources.replace(b, name, user('shared', { side: 'b' }), T0)).toBeUndefined()
      expect(await store.resources.delete(b, [name])).toEqual([])

      const inB = await store.resources.insert(b, user('shared', { side: 'b' }), T0 + 1, 'w2')
      expect(inB?.name).toBe(name)
      const upB = await store.resources.upsert(b, [user('only-a')], T0 + 2, 'w3')
      expect(upB.changed.map((r) => r.id)).toEqual(['only-a'])
      expect(upB.resources[0]?.createTime).toBe(T0 + 2)

      expect((await store.resources.get(a, name))?.labels).toEqual({ side: 'a' })
      expect((await store.resources.get(b, name))?.labels).toEqual({ side: 'b' })
      expect(ids(await store.resources.list(a, { limit: 10 }))).toEqual(['only-a', 'shared'])
      expect(await store.resources.delete(b, [name])).toHaveLength(1)
      expect(await store.resources.get(a, name)).toBeDefined()
    })
  })
})
