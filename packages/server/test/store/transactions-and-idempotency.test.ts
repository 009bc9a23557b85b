import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GENESIS_HASH } from '../../src/domain/audit/types.js'
import type { DomainEvent } from '../../src/domain/events.js'
import type { IdempotencyClaim } from '../../src/domain/idempotency.js'
import { resourceName } from '../../src/domain/resources/types.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

class Boom extends Error {}

const resource = (id: string) => ({ kind: 'user', id, labels: { from: 'tx' } })
const event = (n: number) => ({
  event: 'resource/update',
  resources: [{ kind: 'user', id: `u${n}` }],
  timestamp: T0 + n,
})

async function eventCount(store: Store, spaceId: string): Promise<number> {
  const rows = await store.db.selectFrom('events').select('seq').where('space_id', '=', spaceId).execute()
  return rows.length
}

async function linkCount(store: Store, spaceId: string): Promise<number> {
  const rows = await store.db
    .selectFrom('event_resources')
    .select('seq')
    .where('space_id', '=', spaceId)
    .execute()
  return rows.length
}

describe.each(ENGINES)('transactions on %s', (engine) => {
  let t: TestStore
  let store: Store
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
  })
  afterAll(() => t.close())

  it('commits every write made in a transaction that returns', async () => {
    const space = await createSpace(store)

    const result = await store.transaction(async (tx) => {
      await tx.resources.upsert(space, [resource('a'), resource('b')], T0, 'w1')
      await tx.audit.append(space, [event(1)])
      return 'done'
    })

    expect(result).toBe('done')
    expect(await store.resources.list(space, { limit: 10 })).toHaveLength(2)
    expect((await store.audit.head(space))?.seq).toBe(1)
  })

  it('rolls back every write when the function throws, and rethrows its error', async () => {
    const space = await createSpace(store)
    await store.resources.upsert(space, [resource('kept')], T0, 'w0')
    const error = new Boom('boom')

    await expect(
      store.transaction(async (tx) => {
        await tx.resources.upsert(space, [resource('a'), resource('b'), resource('kept')], T0 + 1, 'w1')
        await tx.resources.delete(space, [resourceName('user', 'kept')])
        await tx.audit.append(space, [event(1), event(2)])
        throw error
      }),
    ).rejects.toBe(error)

    const rows = await store.resources.list(space, { limit: 10 })
    expect(rows.map((r) => [r.id, r.updateTime])).toEqual([['kept', T0]])
    expect(await store.audit.head(space)).toEqual({ seq: 0, hash: GENESIS_HASH })
    expect(await eventCount(store, space)).toBe(0)
    expect(await linkCount(store, space)).toBe(0)

    // The store is usable afterwards: the connection is not left inside the failed transaction.
    await store.transaction((tx) => tx.audit.append(space, [event(3)]))
    expect((await store.audit.head(space))?.seq).toBe(1)
  })

  it('rolls back when a statement inside the transaction fails', async () => {
    const space = await createSpace(store)

    await expect(
      store.transaction(async (tx) => {
        await tx.resources.upsert(space, [resource('a')], T0, 'w1')
        await tx.audit.init(space) // the chain already exists: primary-key violation
      }),
    ).rejects.toThrow()

    expect(await store.resources.list(space, { limit: 10 })).toEqual([])
  })

  it('tells commit listeners the events a transaction emitted, after it commits and never after a rollback', async () => {
    const space = await createSpace(store)
    const heard: DomainEvent[][] = []
    store.onCommit((events) => heard.push([...events]))
    const opened: DomainEvent = { kind: 'petition', type: 'opened', spaceId: space, petition: 'p1', at: T0 }

    await expect(
      store.transaction(async (tx) => {
        tx.emit(opened)
        await tx.resources.upsert(space, [resource('rolled-back')], T0, 'w1')
        expect(heard).toEqual([])
        throw new Boom('before commit')
      }),
    ).rejects.toBeInstanceOf(Boom)
    expect(heard).toEqual([])

    await store.transaction(async (tx) => {
      tx.emit(opened)
      await tx.resources.upsert(space, [resource('kept')], T0, 'w2')
      expect(heard).toEqual([])
    })
    expect(heard).toEqual([[opened]])
    // A write with no events is still announced: caches elsewhere must drop what it changed.
    await store.transaction((tx) => tx.resources.upsert(space, [resource('quiet')], T0, 'w3'))
    expect(heard).toEqual([[opened], []])
  })
})

describe.each(ENGINES)('idempotency keys on %s', (engine) => {
  let t: TestStore
  let store: Store
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
  })
  afterAll(() => t.close())

  let keys = 0
  const newKey = () => `key-${++keys}`

  it('claims, reports in-progress, replays after complete, and refuses another request', async () => {
    const key = newKey()
    const idem = store.idempotency

    expect(await idem.claim('spc_a', key, 'hash-1', T0)).toEqual({ state: 'claimed' })
    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 1_000)).toEqual({ state: 'in-progress' })
    expect(await idem.claim('spc_a', key, 'hash-2', T0 + 1_000)).toEqual({ state: 'mismatch' })

    await idem.complete('spc_a', key, 201, '{"name":"abc"}')

    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 2_000)).toEqual({
      state: 'replay',
      status: 201,
      body: '{"name":"abc"}',
    })
    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 3_600_000)).toEqual({
      state: 'replay',
      status: 201,
      body: '{"name":"abc"}',
    })
    expect(await idem.claim('spc_a', key, 'hash-2', T0 + 2_000)).toEqual({ state: 'mismatch' })
  })

  it('claims again after release', async () => {
    const key = newKey()
    const idem = store.idempotency
    expect((await idem.claim('spc_a', key, 'hash-1', T0)).state).toBe('claimed')

    await idem.release('spc_a', key)

    expect(await idem.claim('spc_a', key, 'hash-2', T0 + 1)).toEqual({ state: 'claimed' })
    expect(await idem.claim('spc_a', key, 'hash-2', T0 + 2)).toEqual({ state: 'in-progress' })
  })

  it('takes over an unfinished claim older than 60 s, once', async () => {
    const key = newKey()
    const idem = store.idempotency
    expect((await idem.claim('spc_a', key, 'hash-1', T0)).state).toBe('claimed')

    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 59_999)).toEqual({ state: 'in-progress' })
    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 60_000)).toEqual({ state: 'claimed' })
    // The takeover restarted the clock: the new owner is not itself stale yet.
    expect(await idem.claim('spc_a', key, 'hash-1', T0 + 60_001)).toEqual({ state: 'in-progress' })
    expect(await idem.claim('spc_a', key, 'hash-2', T0 + 600_000)).toEqual({ state: 'mismatch' })
  })

  it('keeps keys apart by scope', async () => {
    const key = newKey()
    expect((await store.idempotency.claim('spc_a', key, 'hash-1', T0)).state).toBe('claimed')
    expect((await store.idempotency.claim('spc_b', key, 'hash-2', T0)).state).toBe('claimed')
    await store.idempotency.complete('spc_a', key, 200, 'a')
    expect((await store.idempotency.claim('spc_b', key, 'hash-2', T0 + 1)).state).toBe('in-progress')
  })

  it('lets exactly one of 5 concurrent claims of one key win', async () => {
    const key = newKey()

    const results: IdempotencyClaim[] = await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.idempotency.claim('spc_a', key, 'hash-1', T0 + i)),
    )

    expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1)
    expect(results.filter((r) => r.state === 'in-progress')).toHaveLength(4)
  })

  it('lets exactly one of 5 concurrent takeovers of a stale claim win', async () => {
    const key = newKey()
    await store.idempotency.claim('spc_a', key, 'hash-1', T0)

    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.idempotency.claim('spc_a', key, 'hash-1', T0 + 120_000)),
    )

    expect(results.filter((r) => r.state === 'claimed')).toHaveLength(1)
    expect(results.filter((r) => r.state === 'in-progress')).toHaveLength(4)
  })
})
