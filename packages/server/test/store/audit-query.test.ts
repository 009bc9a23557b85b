import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChainRecord, EventFilter } from '../../src/domain/audit/ports.js'
import type { NewEvent } from '../../src/domain/audit/types.js'
import {
  KIND_INDEX_LIMIT,
  KIND_WALK_LIMIT,
  TIME_RANGE_SORT_LIMIT,
} from '../../src/store/repos/audit-query.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

/**
 * The audit query's strategies (index, sort, walk, walk then index) must all give what a plain
 * filter over the whole chain gives, page after page, in both directions.
 */

const COMMON_BLOCK = KIND_INDEX_LIMIT + 1000
const OTHER_BLOCK = KIND_WALK_LIMIT + 1000
const TOTAL = COMMON_BLOCK + OTHER_BLOCK

/** seq n (1-based) of the fixture. */
function fixture(n: number): NewEvent {
  const resources: NonNullable<NewEvent['resources']> = []
  if (n <= COMMON_BLOCK) {
    resources.push({ kind: 'common', id: `c${n % 50}` })
    if (n % 7 === 0) resources.push({ kind: 'rare', id: 'r1' }, { kind: 'rare', id: 'r2' })
  } else {
    resources.push({ kind: 'other', id: `o${n % 10}` })
    // Named without an id: not linked to the kind, and no filter finds it by kind.
    if (n % 1000 === 0) resources.push({ kind: 'common', displayName: 'no id' })
  }
  return {
    event: n % 3 ? 'app/a' : 'app/b',
    actor: { kind: 'user', id: `u${n % 4}` },
    resources,
    // Mostly in order, with every 11th event backdated: time filters, not order.
    timestamp: T0 + (n % 11 === 0 ? n - 5000 : n) * 1000,
  }
}

function matches(row: ChainRecord, f: EventFilter): boolean {
  const body = JSON.parse(row.body) as { resources?: { kind?: string; id?: string }[] }
  if (f.actor !== undefined && row.actorId !== f.actor) return false
  if (f.event !== undefined && row.event !== f.event) return false
  if (f.startTime !== undefined && row.timestamp < f.startTime) return false
  if (f.endTime !== undefined && row.timestamp >= f.endTime) return false
  if (f.resourceKind !== undefined) {
    const named = (body.resources ?? []).some(
      (r) => r.kind === f.resourceKind && !!r.id && (f.resourceId === undefined || r.id === f.resourceId),
    )
    if (!named) return false
  }
  return true
}

describe.each(ENGINES)('audit query strategies on %s', (engine) => {
  let t: TestStore
  let store: Store
  let space: string
  let all: ChainRecord[]

  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
    space = await createSpace(store, 'query')
    for (let start = 1; start <= TOTAL; start += 1000) {
      const batch = Array.from({ length: Math.min(1000, TOTAL - start + 1) }, (_, i) => fixture(start + i))
      await store.transaction((tx) => tx.audit.append(space, batch))
    }
    all = []
    for await (const row of store.audit.scan(space)) all.push(row)
    expect(all).toHaveLength(TOTAL)
  }, 120_000)
  afterAll(() => t.close())

  async function paged(f: EventFilter, ascending: boolean, limit: number): Promise<number[]> {
    const out: number[] = []
    let after: number | undefined
    for (;;) {
      const rows = await store.audit.list(space, f, { ascending, after, limit })
      out.push(...rows.map((r) => r.seq))
      if (rows.length < limit) return out
      after = rows[rows.length - 1]?.seq
    }
  }
  async function check(f: EventFilter, limit = 100): Promise<number> {
    const want = all.filter((r) => matches(r, f)).map((r) => r.seq)
    expect(await paged(f, true, limit)).toEqual(want)
    expect(await paged(f, false, limit)).toEqual([...want].reverse())
    return want.length
  }

  it('a common kind: walked, and handed to the index after a long stretch without it', async () => {
    expect(await check({ resourceKind: 'common' }, 250)).toBe(COMMON_BLOCK)
    expect(await check({ resourceKind: 'common', actor: 'u1' })).toBe(COMMON_BLOCK / 4)
    // The newest first page: the walk meets OTHER_BLOCK events without the kind, then the index.
    const first = await store.audit.list(space, { resourceKind: 'common' }, { ascending: false, limit: 10 })
    expect(first.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => COMMON_BLOCK - i))
  })

  it('a rare kind: read from event_resources, each event once', async () => {
    expect(await check({ resourceKind: 'rare' })).toBe(Math.floor(COMMON_BLOCK / 7))
    expect(await check({ resourceKind: 'rare', event: 'app/b' })).toBeGreaterThan(0)
    expect(await check({ resourceKind: 'nothing' })).toBe(0)
  })

  it('a kind and an id', async () => {
    expect(await check({ resourceKind: 'common', resourceId: 'c7' })).toBe(COMMON_BLOCK / 50)
    expect(await check({ resourceKind: 'other', resourceId: 'o3', event: 'app/a' })).toBeGreaterThan(0)
  })

  it('time ranges: small ones sorted, large ones walked, backdated events where their time puts them', async () => {
    const at = (n: number) => T0 + n * 1000
    const small = await check({ startTime: at(100), endTime: at(100 + TIME_RANGE_SORT_LIMIT / 2) })
    expect(small).toBeLessThan(TIME_RANGE_SORT_LIMIT)
    const large = await check({ startTime: at(1000), endTime: at(1000 + 3 * TIME_RANGE_SORT_LIMIT) }, 500)
    expect(large).toBeGreaterThan(TIME_RANGE_SORT_LIMIT)
    expect(await check({ startTime: at(TOTAL - 50) })).toBeGreaterThan(0)
    expect(await check({ endTime: at(-1000) })).toBeGreaterThan(0)
    expect(await check({ resourceKind: 'common', startTime: at(2000), endTime: at(2600) })).toBeGreaterThan(0)
    expect(await check({ actor: 'u2', startTime: at(5000) }, 1000)).toBeGreaterThan(0)
  })

  it('keeps to the window: after and through', async () => {
    const rows = await store.audit.list(
      space,
      { resourceKind: 'common' },
      { ascending: true, after: 10, through: 20, limit: 100 },
    )
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i))
    const none = await store.audit.list(space, {}, { ascending: true, after: TOTAL, limit: 5 })
    expect(none).toEqual([])
  })
})
