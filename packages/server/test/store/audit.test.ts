import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChainRecord } from '../../src/domain/audit/ports.js'
import {
  chainHash,
  eventBody,
  GENESIS_HASH,
  type NewEvent,
  serializeEvent,
} from '../../src/domain/audit/types.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

async function scanAll(store: Store, spaceId: string, batch?: number): Promise<ChainRecord[]> {
  const out: ChainRecord[] = []
  for await (const row of store.audit.scan(spaceId, batch)) out.push(row)
  return out
}

/** Checks the whole chain with the domain's own hash function; returns the seq numbers. */
function verifyChain(rows: ChainRecord[]): number[] {
  let prev = GENESIS_HASH
  for (const [i, row] of rows.entries()) {
    expect(row.seq).toBe(i + 1)
    expect(row.prevHash).toBe(prev)
    expect(row.hash).toBe(chainHash(row.prevHash, row.seq, row.body))
    prev = row.hash
  }
  return rows.map((r) => r.seq)
}

const event = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  event: 'resource/update',
  actor: { kind: 'user', id: 'u-admin', email: 'admin@example.com' },
  resources: [{ kind: 'user', id: `u${n}` }],
  timestamp: T0 + n,
  ...extra,
})

describe.each(ENGINES)('audit store on %s', (engine) => {
  let t: TestStore
  let store: Store
  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
  })
  afterAll(() => t.close())

  it('starts a chain at seq 0 with the genesis hash', async () => {
    const space = await createSpace(store)
    expect(await store.audit.head(space)).toEqual({ seq: 0, hash: GENESIS_HASH })
    expect(await scanAll(store, space)).toEqual([])
  })

  it('appends consecutive seq numbers with each prev_hash the hash before it', async () => {
    const space = await createSpace(store)

    const first = await store.transaction((tx) => tx.audit.append(space, [event(1), event(2), event(3)]))
    const second = await store.transaction((tx) =>
      tx.audit.append(space, [event(4, { reason: 'because', labels: { 'indent.com/x': 'y' } }), event(5)]),
    )

    expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    const rows = await scanAll(store, space)
    expect(verifyChain(rows)).toEqual([1, 2, 3, 4, 5])
    // What append returned is what is stored: the same chain links, the same event.
    expect(
      rows.map((r) => ({ seq: r.seq, hash: r.hash, prevHash: r.prevHash, event: JSON.parse(r.body) })),
    ).toEqual([...first, ...second])
    expect(await store.audit.head(space)).toEqual({ seq: 5, hash: rows[4]?.hash })
    expect(await store.transaction((tx) => tx.audit.append(space, []))).toEqual([])
    expect((await store.audit.head(space))?.seq).toBe(5)
  })

  it('stores each body as the canonical JSON of the event, with the row columns matching it', async () => {
    const space = await createSpace(store)
    const e = event(7, { reason: 'r', externalId: 'ext-1', sessionId: 's-1', labels: { b: '2', a: '1' } })
    await store.transaction((tx) => tx.audit.append(space, [e]))

    const [row] = await scanAll(store, space)
    if (!row) throw new Error('no event stored')
    const parsed = JSON.parse(row.body) as { id: string }
    expect(row.body).toBe(serializeEvent(eventBody(parsed.id, e)))
    expect(row.id).toBe(parsed.id)
    expect(JSON.parse(row.body)).toMatchObject({
      event: 'resource/update',
      reason: 'r',
      timestamp: new Date(T0 + 7).toISOString(),
      meta: { labels: { a: '1', b: '2' } },
    })
    expect(row).toMatchObject({
      event: 'resource/update',
      actorKind: 'user',
      actorId: 'u-admin',
      timestamp: T0 + 7,
    })
  })

  it('scans in chain order across batches', async () => {
    const space = await createSpace(store)
    await store.transaction((tx) =>
      tx.audit.append(
        space,
        Array.from({ length: 7 }, (_, i) => event(i + 1)),
      ),
    )
    const rows = await scanAll(store, space, 3)
    expect(verifyChain(rows)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('keeps one chain per space', async () => {
    const a = await createSpace(store, 'a')
    const b = await createSpace(store, 'b')
    await store.transaction((tx) => tx.audit.append(a, [event(1), event(2)]))
    await store.transaction((tx) => tx.audit.append(b, [event(3)]))
    await store.transaction((tx) => tx.audit.append(a, [event(4)]))

    expect(verifyChain(await scanAll(store, a))).toEqual([1, 2, 3])
    expect(verifyChain(await scanAll(store, b))).toEqual([1])
  })

  it('indexes every (kind, id) of every event once, skipping incomplete references', async () => {
    const space = await createSpace(store)
    await store.transaction((tx) =>
      tx.audit.append(space, [
        event(1, {
          resources: [
            { kind: 'user', id: 'u1' },
            { kind: 'group', id: 'g1' },
            { kind: 'user', id: 'u1', email: 'again@example.com' },
            { kind: 'user' },
            { id: 'lonely' },
          ],
        }),
        event(2, { resources: [{ kind: 'user', id: 'u1' }] }),
        event(3, { resources: [] }),
        event(4, { resources: undefined }),
      ]),
    )

    const links = await store.db
      .selectFrom('event_resources')
      .select(['seq', 'kind', 'id'])
      .where('space_id', '=', space)
      .orderBy('seq')
      .orderBy('kind')
      .orderBy('id')
      .execute()

    expect(links).toEqual([
      { seq: 1, kind: 'group', id: 'g1' },
      { seq: 1, kind: 'user', id: 'u1' },
      { seq: 2, kind: 'user', id: 'u1' },
    ])
  })

  it('links ids of any text, and more resources than one statement takes, to their events', async () => {
    const space = await createSpace(store)
    // Quotes, backslashes, array and JSON punctuation, the word NULL, spaces, non-ASCII: each must
    // survive the statements that carry the links as literals or JSON.
    const awkward = ['a"b', 'c\\d', '\\"', 'NULL', 'null', '{x,y}', '[1, 2]', ' spaced ', 'é 😀', "it's"]
    const many = Array.from({ length: 12_345 }, (_, i) => ({ kind: 'user', id: `m${i}` }))
    await store.transaction((tx) =>
      tx.audit.append(space, [
        event(1, { resources: awkward.map((id) => ({ kind: 'k"\\', id })) }),
        event(2, { resources: many }),
        event(3, { resources: [{ kind: 'user', id: 'm0' }] }),
      ]),
    )

    const links = await store.db
      .selectFrom('event_resources')
      .select(['seq', 'kind', 'id'])
      .where('space_id', '=', space)
      .execute()
    const key = (l: { seq: number; kind: string; id: string }) => JSON.stringify([l.seq, l.kind, l.id])
    const expected = [
      ...awkward.map((id) => ({ seq: 1, kind: 'k"\\', id })),
      ...many.map((r) => ({ seq: 2, ...r })),
      { seq: 3, kind: 'user', id: 'm0' },
    ]
    expect(links.map(key).sort()).toEqual(expected.map(key).sort())
    expect(verifyChain(await scanAll(store, space))).toEqual([1, 2, 3])
  })

  it('refuses UPDATE and DELETE of stored events and their resource links in the database itself', async () => {
    const space = await createSpace(store)
    await store.transaction((tx) => tx.audit.append(space, [event(1), event(2)]))
    const before = await scanAll(store, space)

    await expect(
      sql`UPDATE events SET event = ${'tampered'} WHERE space_id = ${space}`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    await expect(
      sql`UPDATE events SET hash = prev_hash WHERE space_id = ${space} AND seq = 2`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    await expect(
      sql`DELETE FROM events WHERE space_id = ${space} AND seq = 2`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    await expect(sql`DELETE FROM events WHERE space_id = ${space}`.execute(store.db)).rejects.toThrow(
      /append-only/,
    )
    await expect(
      sql`UPDATE event_resources SET id = ${'other'} WHERE space_id = ${space}`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    await expect(
      sql`DELETE FROM event_resources WHERE space_id = ${space}`.execute(store.db),
    ).rejects.toThrow(/append-only/)
    if (store.engine === 'postgres') {
      await expect(sql`TRUNCATE events`.execute(store.db)).rejects.toThrow(/append-only/)
      await expect(sql`TRUNCATE event_resources`.execute(store.db)).rejects.toThrow(/append-only/)
    }

    expect(await scanAll(store, space)).toEqual(before)
    const links = await store.db
      .selectFrom('event_resources')
      .select('seq')
      .where('space_id', '=', space)
      .execute()
    expect(links).toHaveLength(2)
  })

  it('extends the chain one writer after another under 10 concurrent transactions', async () => {
    const space = await createSpace(store)

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.transaction((tx) => tx.audit.append(space, [event(i + 1)]))),
    )

    expect(results.map((r) => r[0]?.seq).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ])
    const rows = await scanAll(store, space)
    expect(verifyChain(rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(10)
    expect(await store.audit.head(space)).toEqual({ seq: 10, hash: rows[9]?.hash })
    const timestamps = rows.map((r) => r.timestamp).sort((x, y) => x - y)
    expect(timestamps).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i + 1))
  })
})
