import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openHandle, openTestStore, T0, type TestStore } from './support.js'

class Boom extends Error {}

const resource = (id: string) => ({ kind: 'customer', id, labels: { from: 'shared' } })
const event = (id: string) => ({
  event: 'resource/update',
  resources: [{ kind: 'customer', id }],
  timestamp: T0,
})

describe.each(ENGINES)('transactions that share a commit on %s', (engine) => {
  let t: TestStore
  let store: Store
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
  })
  afterAll(() => t.close())

  /** An upload's transaction: its resources and its audit event. */
  const upload = (space: string, id: string, log: string[], fail = false) =>
    store.transaction(
      async (tx) => {
        log.push(`${id} ran`)
        await tx.resources.upsert(space, [resource(id)], T0, `w_${id}`)
        await tx.audit.append(space, [event(id)])
        if (fail) throw new Boom(id)
        return id
      },
      { shareCommit: true },
    )

  it('answers each caller only once its writes are committed, visible to another connection', async () => {
    const space = await createSpace(store)
    const other = openHandle(t.database)
    try {
      const log: string[] = []
      const seen: Record<string, number> = {}
      const answered = ['a', 'b', 'c'].map((id) =>
        upload(space, id, log).then(async (value) => {
          log.push(`${id} answered`)
          // Read on a connection of its own: what the caller is told of is committed.
          const rows = await other.db
            .selectFrom('resources')
            .select('id')
            .where('space_id', '=', space)
            .where('id', '=', id)
            .execute()
          seen[id] = rows.length
          return value
        }),
      )
      expect(await Promise.all(answered)).toEqual(['a', 'b', 'c'])
      expect(seen).toEqual({ a: 1, b: 1, c: 1 })
      if (engine === 'sqlite') {
        // One commit for the three: every one ran before the first was answered.
        expect(log.slice(0, 3)).toEqual(['a ran', 'b ran', 'c ran'])
      }
      // Three events, chained one after another.
      expect((await store.audit.head(space))?.seq).toBe(3)
    } finally {
      await other.close()
    }
  })

  it('rolls back only the transaction that throws; the others commit', async () => {
    const space = await createSpace(store)
    const log: string[] = []
    const results = await Promise.allSettled([
      upload(space, 'kept1', log),
      upload(space, 'failed', log, true),
      upload(space, 'kept2', log),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Boom)
    const rows = await store.resources.list(space, { limit: 10 })
    expect(rows.map((r) => r.id)).toEqual(['kept1', 'kept2'])
    // The failed one's event is gone too, and the chain has no gap.
    const events = await store.audit.list(space, {}, { ascending: true, limit: 10 })
    expect(events.map((e) => e.seq)).toEqual([1, 2])
    // In either order: on PostgreSQL the two commit on connections of their own.
    expect(events.map((e) => JSON.parse(e.body).resources[0].id).sort()).toEqual(['kept1', 'kept2'])
  })

  it('tells the commit listeners after the commit, in order, and never of a rolled-back one', async () => {
    const space = await createSpace(store)
    const heard: string[] = []
    store.onCommit((events, narrow) => heard.push(`${events.length}:${narrow}`))
    const log: string[] = []
    await Promise.allSettled([
      upload(space, 'x', log),
      upload(space, 'y', log, true),
      upload(space, 'z', log),
    ])
    expect(heard).toEqual(['0:false', '0:false'])
  })

  it('a transaction that does not ask to share commits on its own', async () => {
    const space = await createSpace(store)
    const log: string[] = []
    const shared = upload(space, 's', log).then(() => log.push('s answered'))
    const alone = store
      .transaction(async (tx) => {
        log.push('alone ran')
        await tx.resources.upsert(space, [resource('alone')], T0, 'w_alone')
      })
      .then(() => log.push('alone answered'))
    await Promise.all([shared, alone])
    expect(log).toContain('alone answered')
    // On SQLite it waits for the shared one's commit; PostgreSQL runs the two side by side.
    if (engine === 'sqlite') expect(log.indexOf('s answered')).toBeLessThan(log.indexOf('alone ran'))
    expect((await store.resources.list(space, { limit: 10 })).map((r) => r.id)).toEqual(['alone', 's'])
  })
})
