import { createServer, connect as dial, type Server, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DomainEvent } from '../../src/domain/events.js'
import { encodeAnnouncement } from '../../src/store/announcement.js'
import { CHANGES_CHANNEL } from '../../src/store/postgres/adapter.js'
import { ACKS_CHANNEL } from '../../src/store/postgres/barrier.js'
import { ChangeListener } from '../../src/store/postgres/listener.js'
import { createTestDatabase, POSTGRES_AVAILABLE, type TestDatabase } from '../helpers/databases.js'
import { T0 } from './support.js'

/**
 * A TCP relay in front of PostgreSQL that the test can cut, and make refuse new connections: what a
 * restarting database or a network outage looks like to the listener.
 */
class Gate {
  open = true
  /** Connections attempted through the gate, refused ones included. */
  attempts = 0
  private readonly live = new Set<Socket>()
  private readonly server: Server

  private readonly pipes: [Socket, Socket][] = []

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      this.attempts++
      if (!this.open) return client.destroy()
      const upstream = dial(target)
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.live.add(from)
        this.pipes.push([from, to])
        from.pipe(to)
        from.on('error', () => to.destroy())
        from.on('close', () => {
          this.live.delete(from)
          to.destroy()
        })
      }
    })
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    return (this.server.address() as { port: number }).port
  }

  /**
   * Stops carrying bytes on the connections open now, without closing them: a peer that vanished
   * without a word (a dropped NAT entry). New connections still pass.
   */
  freeze(): void {
    for (const [from, to] of this.pipes.splice(0)) {
      from.unpipe(to)
      from.pause()
    }
  }

  /** Drops every connection through the gate. */
  cut(): void {
    for (const socket of this.live) socket.destroy()
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

async function until(what: string, probe: () => boolean, guardMs = 20_000): Promise<void> {
  const deadline = Date.now() + guardMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await sleep(5)
  }
}

describe.skipIf(!POSTGRES_AVAILABLE)('the PostgreSQL change listener', () => {
  let database: TestDatabase
  let gate: Gate
  let gatedUrl: string

  beforeAll(async () => {
    database = await createTestDatabase('postgres')
    const direct = new URL(database.databaseUrl ?? '')
    gate = new Gate({ host: direct.hostname, port: Number(direct.port || 5432) })
    const gated = new URL(direct)
    gated.port = String(await gate.listen())
    gatedUrl = gated.toString()
  })
  afterAll(async () => {
    await gate?.close()
    await database?.drop()
  })

  it('keeps retrying while reconnects fail, then listens again and says so', async () => {
    const heard: { events: DomainEvent[]; barrier: string | undefined }[] = []
    const acks: string[] = []
    const echoes: string[] = []
    const log: string[] = []
    const listener = await ChangeListener.start(
      gatedUrl,
      'inst_listening',
      {
        remote: (events, barrier) => heard.push({ events, barrier }),
        echoed: (barrier) => echoes.push(barrier),
        acknowledged: (payload) => acks.push(payload),
        listening: async () => {
          log.push('listening')
        },
        down: () => log.push('down'),
        up: () => log.push('up'),
      },
      pino({ level: 'silent' }),
      // Short, so that several failed attempts take well under a second.
      { minMs: 20, maxMs: 80 },
    )
    try {
      expect(log).toEqual(['listening', 'up'])
      expect(listener.connected).toBe(true)

      gate.open = false
      const before = gate.attempts
      gate.cut()
      await until('the loss is noticed', () => log.length === 3)
      expect(log).toEqual(['listening', 'up', 'down'])
      expect(listener.connected).toBe(false)
      // Three refused reconnects in a row, and it is still trying.
      await until('three refused reconnects', () => gate.attempts - before >= 3)
      expect(log).toEqual(['listening', 'up', 'down'])

      gate.open = true
      await until('listening again', () => listener.connected)
      expect(log).toEqual(['listening', 'up', 'down', 'listening', 'up'])

      // Both channels are listened to again on the new connection.
      const event: DomainEvent = {
        kind: 'petition',
        type: 'revoked',
        spaceId: 'spc_1',
        petition: 'p1',
        at: T0,
      }
      const [payload] = encodeAnnouncement('inst_other', [event], 'barrier-1')
      const own = encodeAnnouncement('inst_listening', [event], 'barrier-0')[0]
      const notifier = new pg.Client({ connectionString: database.databaseUrl })
      await notifier.connect()
      try {
        await notifier.query('SELECT pg_notify($1, $2), pg_notify($1, $3), pg_notify($4, $5)', [
          CHANGES_CHANNEL,
          own,
          payload,
          ACKS_CHANNEL,
          '{"i":"inst_other","b":"barrier-2"}',
        ])
      } finally {
        await notifier.end()
      }
      await until(
        'the announcement and the acknowledgement are heard',
        () => heard.length > 0 && acks.length > 0,
      )
      // Its own announcement is left to its store, but its barrier echoed; another instance's is passed on.
      expect(echoes).toEqual(['barrier-0'])
      expect(heard).toEqual([{ events: [event], barrier: 'barrier-1' }])
      expect(acks).toEqual(['{"i":"inst_other","b":"barrier-2"}'])
    } finally {
      await listener.close()
    }
    expect(listener.connected).toBe(false)
  })

  it('counts a connection it could not set up (the barrier could not greet) as a failed attempt', async () => {
    gate.open = true
    const log: string[] = []
    let refusals = 0
    const listener = await ChangeListener.start(
      gatedUrl,
      'inst_greeting',
      {
        remote: () => {},
        echoed: () => {},
        acknowledged: () => {},
        listening: async () => {
          log.push('listening')
          if (refusals > 0) {
            refusals--
            throw new Error('cannot greet')
          }
        },
        down: () => log.push('down'),
        up: () => log.push('up'),
      },
      pino({ level: 'silent' }),
      { minMs: 20, maxMs: 80 },
    )
    try {
      refusals = 2
      gate.cut()
      await until('up again', () => log.filter((e) => e === 'up').length === 2)
      // Two set-ups failed, neither was taken for a working connection, the third was.
      expect(log).toEqual(['listening', 'up', 'down', 'listening', 'listening', 'listening', 'up'])
      expect(listener.connected).toBe(true)
    } finally {
      await listener.close()
    }
  })

  it('notices a connection that went silent without closing, and listens again on a new one', async () => {
    gate.open = true
    const log: string[] = []
    const heard: DomainEvent[][] = []
    const listener = await ChangeListener.start(
      gatedUrl,
      'inst_silent',
      {
        remote: (events) => heard.push(events),
        echoed: () => {},
        acknowledged: () => {},
        listening: async () => {},
        down: () => log.push('down'),
        up: () => log.push('up'),
      },
      pino({ level: 'silent' }),
      { minMs: 20, maxMs: 80, probeEveryMs: 50, probeTimeoutMs: 150 },
    )
    try {
      expect(log).toEqual(['up'])
      gate.freeze()
      // No error, no end: only the unanswered probe can tell.
      await until('the silence is noticed and a new connection listens', () => log.length === 3, 5_000)
      expect(log).toEqual(['up', 'down', 'up'])
      const event: DomainEvent = {
        kind: 'petition',
        type: 'revoked',
        spaceId: 'spc_1',
        petition: 'p2',
        at: T0,
      }
      const notifier = new pg.Client({ connectionString: database.databaseUrl })
      await notifier.connect()
      try {
        await notifier.query('SELECT pg_notify($1, $2)', [
          CHANGES_CHANNEL,
          encodeAnnouncement('inst_other', [event])[0],
        ])
      } finally {
        await notifier.end()
      }
      await until('heard on the new connection', () => heard.length > 0)
      expect(heard).toEqual([[event]])
    } finally {
      await listener.close()
    }
  })
})
