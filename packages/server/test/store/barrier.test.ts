import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { FreshCache } from '../../src/domain/cache.js'
import type { DomainEvent } from '../../src/domain/events.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { decodeAnnouncement } from '../../src/store/announcement.js'
import { openDatabase } from '../../src/store/connect.js'
import { migrateToLatest } from '../../src/store/migrate.js'
import { CHANGES_CHANNEL, postgresAdapter } from '../../src/store/postgres/adapter.js'
import { ACKS_CHANNEL, AckBarrier, LISTENER_NAME_PREFIX } from '../../src/store/postgres/barrier.js'
import { ChangeListener } from '../../src/store/postgres/listener.js'
import type { Database } from '../../src/store/schema.js'
import { type BarrierTicket, type CommitBarrier, Store } from '../../src/store/store.js'
import {
  createTestDatabase,
  ENGINES,
  PG_ADMIN_URL,
  POSTGRES_AVAILABLE,
  type TestDatabase,
} from '../helpers/databases.js'
import { openTestStore, T0, type TestStore } from './support.js'

const silent = pino({ level: 'silent' })

/** A logger that keeps its warnings, parsed. */
function recordingLogger() {
  const warnings: { msg: string; instances?: string[] }[] = []
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) })
  return { logger, warnings }
}

/** A plain PostgreSQL session, named and listening as the test needs. */
async function session(url: string, opts: { name?: string; listen?: string[] } = {}) {
  const client = new pg.Client({
    connectionString: url,
    ...(opts.name ? { application_name: opts.name } : {}),
  })
  await client.connect()
  for (const channel of opts.listen ?? []) await client.query(`LISTEN ${channel}`)
  return client
}

const revoked = (petition: string): DomainEvent => ({
  kind: 'petition',
  type: 'revoked',
  spaceId: 'spc_1',
  petition,
  at: T0,
})

describe('which commits the store holds back (both engines)', () => {
  /** A barrier that records what the store asks of it. */
  class RecordingBarrier implements CommitBarrier {
    readonly log: string[] = []
    private n = 0
    open(): BarrierTicket {
      const id = `b${++this.n}`
      this.log.push(`open ${id}`)
      return {
        id,
        passed: async () => {
          this.log.push(`passed ${id}`)
        },
        cancel: () => this.log.push(`cancel ${id}`),
      }
    }
  }

  describe.each(ENGINES)('on %s', (engine) => {
    let t: TestStore
    beforeAll(async () => {
      t = await openTestStore(engine)
    })
    afterAll(() => t.close())

    it('only revoking commits, after the commit listeners; a rolled-back one is cancelled', async () => {
      const barrier = new RecordingBarrier()
      const store = new Store(t.handle.db, t.handle.adapter, 'inst_test')
      store.useBarrier(barrier)
      store.onCommit(() => barrier.log.push('committed'))

      await store.transaction(async (tx) => {
        tx.emit({ kind: 'petition', type: 'granted', spaceId: 'spc_1', petition: 'p1', at: T0 })
      })
      expect(barrier.log).toEqual(['committed'])

      await store.transaction(async (tx) => tx.emit(revoked('p1')))
      await store.transaction(async (tx) => tx.revokesAccess())
      expect(barrier.log).toEqual([
        'committed',
        'open b1',
        'committed',
        'passed b1',
        'open b2',
        'committed',
        'passed b2',
      ])

      barrier.log.length = 0
      await expect(
        store.transaction(async (tx) => {
          tx.revokesAccess()
          throw new Error('changed my mind')
        }),
      ).rejects.toThrow('changed my mind')
      // Opened only once the work is done, just before the commit: a failure before then opens nothing.
      expect(barrier.log).toEqual([])
    })
  })
})

describe.skipIf(!POSTGRES_AVAILABLE)('the acknowledgement barrier on PostgreSQL', () => {
  let database: TestDatabase
  let a: Runtime
  let b: Runtime

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    const config = loadConfig(
      { databaseUrl: database.databaseUrl, dataDir: database.dataDir },
      { LOG_LEVEL: 'silent' },
    )
    a = await openRuntime(config, { logger: silent })
    b = await openRuntime(config, { logger: silent })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await database?.drop()
  })

  const url = () => database.databaseUrl ?? ''

  it('finds each other instance by its listener, and not itself', async () => {
    const peersOf = (rt: Runtime) => new AckBarrier(rt.store.db, rt.store.instanceId, silent).peers()
    expect(await peersOf(a)).toEqual([b.store.instanceId])
    expect(await peersOf(b)).toEqual([a.store.instanceId])
  })

  it('finds them as a role without any privilege, too', async () => {
    const role = `openindent_plain_${randomBytes(4).toString('hex')}`
    const admin = await session(PG_ADMIN_URL)
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`)
    const plain = new URL(url())
    plain.username = role
    const handle = openDatabase({ databaseUrl: plain.toString(), dataDir: database.dataDir })
    try {
      const peers = await new AckBarrier(handle.db, 'inst_plain', silent).peers()
      expect(peers.sort()).toEqual([a.store.instanceId, b.store.instanceId].sort())
    } finally {
      await handle.close()
      await admin.query(`DROP ROLE ${role}`)
      await admin.end()
    }
  })

  it('returns from a revoking commit on A only once B has applied it, every time', async () => {
    const onB = new FreshCache<string>(b.caches.freshness)
    const stale: number[] = []
    for (let i = 0; i < 50; i++) {
      onB.set('access', 'cached on B', Number.POSITIVE_INFINITY, b.caches.freshness.current())
      await a.store.transaction(async (tx) => tx.revokesAccess())
      if (onB.get('access', 0) !== undefined) stale.push(i)
    }
    expect(stale).toEqual([])
  })

  it('announces the barrier on the last payload only, and the others acknowledge it', async () => {
    const ears = await session(url(), { listen: [CHANGES_CHANNEL, ACKS_CHANNEL] })
    const heard: { channel: string; payload: string }[] = []
    ears.on('notification', (m) => heard.push({ channel: m.channel, payload: m.payload ?? '' }))
    try {
      // Enough events to need several payloads.
      const events = Array.from({ length: 400 }, (_, i) => revoked(`petition-${'x'.repeat(20)}-${i}`))
      await a.store.transaction(async (tx) => {
        for (const e of events) tx.emit(e)
      })
      // A returned, so B has acknowledged; these ears hear it too, a moment later.
      const deadline = Date.now() + 10_000
      while (!heard.some((h) => h.channel === ACKS_CHANNEL && h.payload.includes('"b"'))) {
        expect(Date.now()).toBeLessThan(deadline)
        await sleep(5)
      }
      const announced = heard
        .filter((h) => h.channel === CHANGES_CHANNEL)
        .map((h) => decodeAnnouncement(h.payload))
      expect(announced.length).toBeGreaterThan(1)
      expect(announced.flatMap((x) => x?.events ?? [])).toEqual(events)
      const barrier = announced.at(-1)?.barrier
      expect(barrier).toBeDefined()
      expect(announced.slice(0, -1).map((x) => x?.barrier)).toEqual(
        announced.slice(0, -1).map(() => undefined),
      )
      const acks = heard
        .filter((h) => h.channel === ACKS_CHANNEL)
        .map((h) => JSON.parse(h.payload) as { i: string; b?: string })
        .filter((ack) => ack.b !== undefined)
      expect(acks).toEqual([{ i: b.store.instanceId, b: barrier }])
    } finally {
      await ears.end()
    }
  })

  it('waits for an instance that never acknowledges only until its timeout, then names it in a warning', async () => {
    const mute = await session(url(), { name: `${LISTENER_NAME_PREFIX}inst_mute`, listen: [CHANGES_CHANNEL] })
    const ears = await session(url(), { listen: [ACKS_CHANNEL] })
    const { logger, warnings } = recordingLogger()
    // The real timeout: A and B must be given as long as in production to acknowledge.
    const barrier = new AckBarrier(a.store.db, 'inst_committer', logger)
    ears.on('notification', (m) => barrier.received(m.payload ?? ''))
    const store = new Store(a.store.db, postgresAdapter, 'inst_committer')
    store.useBarrier(barrier)
    try {
      await store.transaction(async (tx) => tx.revokesAccess())
      // A and B acknowledged; the mute one was waited for, and reported.
      expect(warnings.map((w) => w.instances)).toEqual([['inst_mute']])
      expect(warnings[0]?.msg).toMatch(/did not acknowledge/)
    } finally {
      await mute.end()
      await ears.end()
    }
  })
})

describe.skipIf(!POSTGRES_AVAILABLE)('the acknowledgement barrier of an instance alone', () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase('postgres')
  })
  afterAll(() => database?.drop())

  it('costs a lone instance no read and no wait, until another instance greets it, and again once it is gone', async () => {
    const url = database.databaseUrl ?? ''
    // The runtime's wiring, over a pool whose queries are counted.
    let reads = 0
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
      log: (e) => {
        if (e.query.sql.includes('pg_stat_activity')) reads++
      },
    })
    await migrateToLatest(db, 'postgres')
    const { logger, warnings } = recordingLogger()
    const barrier = new AckBarrier(db, 'inst_lone', logger)
    const listener = await ChangeListener.start(
      url,
      'inst_lone',
      {
        remote: (_events, ack) => ack && barrier.acknowledge(ack),
        echoed: (ack) => barrier.echoed(ack),
        acknowledged: (payload) => barrier.received(payload),
        listening: () => barrier.listening(),
        down: () => barrier.down(),
        up: () => barrier.up(),
      },
      silent,
    )
    const store = new Store(db, postgresAdapter, 'inst_lone')
    store.useBarrier(barrier)
    const revoke = () => store.transaction(async (tx) => tx.revokesAccess())
    let other: Runtime | undefined
    try {
      // One read when it started listening, to learn who else does: nobody.
      expect(reads).toBe(1)
      expect(barrier.knownPeers()).toEqual([])
      for (let i = 0; i < 20; i++) await revoke()
      expect(reads).toBe(1)

      // Another instance starts, and greets it: now each revoking commit reads who listens, and waits.
      other = await openRuntime(
        loadConfig({ databaseUrl: url, dataDir: database.dataDir }, { LOG_LEVEL: 'silent' }),
        {
          logger: silent,
        },
      )
      const otherId = other.store.instanceId
      const deadline = Date.now() + 10_000
      while (!barrier.knownPeers().includes(otherId)) {
        expect(Date.now()).toBeLessThan(deadline)
        await sleep(5)
      }
      const seen = new FreshCache<string>(other.caches.freshness)
      seen.set('k', 'cached on the other', Number.POSITIVE_INFINITY, other.caches.freshness.current())
      await revoke()
      expect(reads).toBe(2)
      expect(seen.get('k', 0)).toBeUndefined()

      // It stops; the next revoking commit finds it gone and forgets it, and the one after costs nothing.
      await other.close()
      other = undefined
      while ((await barrier.peers()).length > 0) {
        expect(Date.now()).toBeLessThan(deadline + 10_000)
        await sleep(5)
      }
      reads = 0
      await revoke()
      expect(barrier.knownPeers()).toEqual([])
      for (let i = 0; i < 20; i++) await revoke()
      expect(reads).toBe(1)
      expect(warnings).toEqual([])
    } finally {
      await other?.close()
      await listener.close()
      await db.destroy()
    }
  })
})
