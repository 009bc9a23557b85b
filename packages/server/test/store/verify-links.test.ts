import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NewEvent } from '../../src/domain/audit/types.js'
import { verifyChain } from '../../src/domain/audit/verify.js'
import type { Store } from '../../src/store/store.js'
import { ENGINES } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const bob = { kind: 'user', id: 'bob@example.com', email: 'bob@example.com' }

/** Two petitions' histories, an app event with no resources, and one whose resource lacks an id. */
const history = (n: number): NewEvent[] => [
  {
    event: 'access/request',
    actor: alice,
    resources: [alice, { kind: 'customer', id: `cus_${n}` }],
    timestamp: T0,
    petition: `pet-a-${n}`,
  },
  {
    event: 'access/request',
    actor: bob,
    resources: [bob, { kind: 'customer', id: 'cus_x' }],
    timestamp: T0,
    petition: `pet-b-${n}`,
  },
  {
    event: 'access/approve',
    actor: bob,
    resources: [alice, { kind: 'customer', id: `cus_${n}` }],
    timestamp: T0 + 1,
    petition: `pet-a-${n}`,
    labels: { note: 'ok' },
  },
  { event: 'app/ping', timestamp: T0 + 2 },
  {
    event: 'app/named',
    resources: [{ kind: 'customer' }, { kind: 'customer', id: `cus_${n}` }],
    timestamp: T0 + 3,
  },
  {
    event: 'access/grant',
    actor: bob,
    resources: [alice, { kind: 'customer', id: `cus_${n}` }],
    timestamp: T0 + 4,
    petition: `pet-a-${n}`,
  },
]

describe.each(ENGINES)('verify checks petition links and resource index rows on %s', (engine) => {
  let t: TestStore
  let store: Store
  let made = 0

  beforeAll(async () => {
    t = await openTestStore(engine)
    store = t.store
    // What an attacker with the database in hand does first: switch off the append-only triggers.
    if (engine === 'sqlite') {
      for (const table of ['events', 'event_resources'])
        for (const op of ['update', 'delete'])
          await sql.raw(`DROP TRIGGER ${table}_no_${op}`).execute(store.db)
    } else {
      await sql`ALTER TABLE events DISABLE TRIGGER USER`.execute(store.db)
      await sql`ALTER TABLE event_resources DISABLE TRIGGER USER`.execute(store.db)
    }
  })
  afterAll(() => t.close())

  async function logged(): Promise<string> {
    made += 1
    const space = await createSpace(store, 'links')
    await store.transaction((tx) => tx.audit.append(space, history(made)))
    return space
  }

  it('passes an untouched log, also when read in batches smaller than the log', async () => {
    const space = await logged()
    expect(await verifyChain(store, space)).toMatchObject({ ok: true, events: 6 })
    expect(await verifyChain(store, space, { batch: 4 })).toMatchObject({ ok: true, events: 6 })
    expect(await verifyChain(store, space, { batch: 1 })).toMatchObject({ ok: true, events: 6 })
  })

  it('finds an approve event moved to another petition, naming its seq', async () => {
    const space = await logged()
    await sql`UPDATE events SET petition = ${`pet-b-${made}`} WHERE space_id = ${space} AND seq = 3`.execute(
      store.db,
    )
    const r = await verifyChain(store, space)
    expect(r).toMatchObject({ ok: false, seq: 3, events: 2 })
    expect(r.ok ? '' : r.problem).toMatch(
      /petition column \(pet-b-\d+\) is not the body's indent\.com\/petition label \(pet-a-\d+\)/,
    )
  })

  it('finds a petition link added to an event of no petition, or removed from one', async () => {
    const added = await logged()
    await sql`UPDATE events SET petition = ${'pet-x'} WHERE space_id = ${added} AND seq = 4`.execute(store.db)
    expect(await verifyChain(store, added)).toMatchObject({ ok: false, seq: 4 })

    const removed = await logged()
    await sql`UPDATE events SET petition = NULL WHERE space_id = ${removed} AND seq = 6`.execute(store.db)
    const r = await verifyChain(store, removed)
    expect(r).toMatchObject({ ok: false, seq: 6 })
    expect(r.ok ? '' : r.problem).toMatch(/petition column \(none\)/)
  })

  it('finds an index row added to an event, and one added for an event that does not exist', async () => {
    const space = await logged()
    await sql`INSERT INTO event_resources (space_id, kind, id, seq) VALUES (${space}, 'customer', 'cus_hidden', 4)`.execute(
      store.db,
    )
    const r = await verifyChain(store, space, { batch: 2 })
    expect(r).toMatchObject({ ok: false, seq: 4, events: 3 })
    expect(r.ok ? '' : r.problem).toMatch(/customer\/cus_hidden/)

    const beyond = await logged()
    await sql`INSERT INTO event_resources (space_id, kind, id, seq) VALUES (${beyond}, 'customer', 'cus_1', 99)`.execute(
      store.db,
    )
    const past = await verifyChain(store, beyond)
    expect(past).toMatchObject({ ok: false, seq: 99 })
    expect(past.ok ? '' : past.problem).toMatch(/no such event/)
  })

  it('finds an index row removed, so that a resource query would no longer find the event', async () => {
    const space = await logged()
    await sql`DELETE FROM event_resources WHERE space_id = ${space} AND seq = 5 AND kind = 'customer'`.execute(
      store.db,
    )
    const r = await verifyChain(store, space, { batch: 3 })
    expect(r).toMatchObject({ ok: false, seq: 5, events: 4 })
    expect(r.ok ? '' : r.problem).toMatch(/customer\/cus_\d+/)
  })

  it('finds an index row moved to another event', async () => {
    const space = await logged()
    await sql`UPDATE event_resources SET seq = 2 WHERE space_id = ${space} AND seq = 1 AND kind = 'customer'`.execute(
      store.db,
    )
    expect(await verifyChain(store, space)).toMatchObject({ ok: false, seq: 1, events: 0 })
  })
})
