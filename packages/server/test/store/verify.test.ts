import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainHash, GENESIS_HASH, type NewEvent } from '../../src/domain/audit/types.js'
import { verifyChain } from '../../src/domain/audit/verify.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

const EVENTS = 6

const event = (n: number): NewEvent => ({
  event: n % 2 ? 'access/approve' : 'resource/update',
  actor: { kind: 'user', id: 'admin@example.com', email: 'admin@example.com' },
  resources: [{ kind: 'customer', id: `cus_${n}` }],
  reason: `reason ${n}`,
  timestamp: T0 + n * 1000,
})

describe.each(ENGINES)('audit chain verification on %s', (engine) => {
  let t: TestStore
  let store: Store

  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
    // What an attacker with the database in hand does first: switch off the append-only triggers.
    if (engine === 'sqlite') {
      for (const trigger of ['events_no_update', 'events_no_delete'])
        await sql.raw(`DROP TRIGGER ${trigger}`).execute(store.db)
    } else {
      await sql`ALTER TABLE events DISABLE TRIGGER USER`.execute(store.db)
    }
  })
  afterAll(() => t.close())

  /** A space with a chain of EVENTS events, appended in two transactions. */
  async function logged(): Promise<string> {
    const space = await createSpace(store, 'verify')
    const all = Array.from({ length: EVENTS }, (_, i) => event(i + 1))
    await store.transaction((tx) => tx.audit.append(space, all.slice(0, 2)))
    await store.transaction((tx) => tx.audit.append(space, all.slice(2)))
    return space
  }
  const rows = (space: string) =>
    store.db.selectFrom('events').selectAll().where('space_id', '=', space).orderBy('seq').execute()

  it('passes an untouched log, and an empty one', async () => {
    const space = await logged()
    const last = (await rows(space))[EVENTS - 1]
    expect(await verifyChain(store, space)).toEqual({
      ok: true,
      events: EVENTS,
      head: { seq: EVENTS, hash: last?.hash },
    })
    const empty = await createSpace(store, 'empty')
    expect(await verifyChain(store, empty)).toEqual({
      ok: true,
      events: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    })
  })

  it('finds an edited body (the reason of event 3)', async () => {
    const space = await logged()
    await sql`UPDATE events SET body = replace(body, 'reason 3', 'nothing to see') WHERE space_id = ${space} AND seq = 3`.execute(
      store.db,
    )
    expect((await rows(space))[2]?.body).toContain('nothing to see')
    const r = await verifyChain(store, space)
    expect(r).toMatchObject({ ok: false, seq: 3, events: 2 })
    expect(r.ok ? '' : r.problem).toMatch(/hash/)
  })

  it('finds an edited body even when its own hash is recomputed: the next event no longer links', async () => {
    const space = await logged()
    const row = (await rows(space))[2]
    const body = (row?.body ?? '').replace('reason 3', 'nothing to see')
    const hash = chainHash(row?.prev_hash ?? '', 3, body)
    await sql`UPDATE events SET body = ${body}, hash = ${hash} WHERE space_id = ${space} AND seq = 3`.execute(
      store.db,
    )
    expect(await verifyChain(store, space)).toMatchObject({ ok: false, seq: 4, events: 3 })
  })

  it('finds a deleted row, in the middle and at the end', async () => {
    const space = await logged()
    await sql`DELETE FROM events WHERE space_id = ${space} AND seq = 4`.execute(store.db)
    const r = await verifyChain(store, space)
    expect(r).toMatchObject({ ok: false, seq: 4, events: 3 })
    expect(r.ok ? '' : r.problem).toMatch(/missing/)

    const tail = await logged()
    await sql`DELETE FROM events WHERE space_id = ${tail} AND seq = ${EVENTS}`.execute(store.db)
    expect(await verifyChain(store, tail)).toMatchObject({ ok: false, seq: EVENTS, events: EVENTS - 1 })
  })

  it('finds two rows whose seq were swapped', async () => {
    const space = await logged()
    const swap = async (from: number, to: number) =>
      sql`UPDATE events SET seq = ${to} WHERE space_id = ${space} AND seq = ${from}`.execute(store.db)
    // Through a free number: the primary key holds at every step.
    await swap(2, 1000)
    await swap(5, 2)
    await swap(1000, 5)
    const r = await verifyChain(store, space)
    expect(r).toMatchObject({ ok: false, seq: 2, events: 1 })
    expect(r.ok ? '' : r.problem).toMatch(/prev_hash/)
  })

  it('finds a query column changed to hide an event from a filter', async () => {
    const space = await logged()
    await sql`UPDATE events SET actor_id = ${'someone-else'} WHERE space_id = ${space} AND seq = 5`.execute(
      store.db,
    )
    const r = await verifyChain(store, space)
    expect(r).toMatchObject({ ok: false, seq: 5, events: 4 })
    expect(r.ok ? '' : r.problem).toMatch(/actor/)

    const renamed = await logged()
    await sql`UPDATE events SET event = ${'app/harmless'} WHERE space_id = ${renamed} AND seq = 1`.execute(
      store.db,
    )
    expect(await verifyChain(store, renamed)).toMatchObject({ ok: false, seq: 1, events: 0 })
  })

  it('finds a head that is not the last event', async () => {
    const space = await logged()
    await sql`UPDATE audit_heads SET seq = ${EVENTS - 1} WHERE space_id = ${space}`.execute(store.db)
    expect(await verifyChain(store, space)).toMatchObject({ ok: false, seq: EVENTS, events: EVENTS })

    const wrongHash = await logged()
    await sql`UPDATE audit_heads SET hash = ${GENESIS_HASH} WHERE space_id = ${wrongHash}`.execute(store.db)
    expect(await verifyChain(store, wrongHash)).toMatchObject({ ok: false, seq: EVENTS, events: EVENTS })
  })
})
