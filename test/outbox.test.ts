import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { verify } from '@indent/webhook'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { type Receiver, startReceiver } from '../packages/server/test/helpers/receiver.js'
import { runCli, type ServerProcess, startServerProcess } from './support/server-process.js'
import { api, startTwoInstances, type TwoInstances } from './support/two-instances.js'

const PETITIONER = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

interface WireDelivery {
  name: string
  status: string
  attempts: number
}

/** Files a petition for `target` as the service account and approves it as a person: a grant. */
async function grant(
  server: ServerProcess,
  token: string,
  reviewer: string,
  target: string,
): Promise<string> {
  const check = await api<{ petition: { name: string } }>(
    server,
    token,
    'POST',
    '/spaces/default/approvals:check',
    {
      petitioners: [PETITIONER],
      resources: [{ kind: 'customer', id: target }],
    },
  )
  expect(check.status).toBe(200)
  const petition = check.body.petition.name
  const claim = await api(server, reviewer, 'POST', `/spaces/default/petitions/${petition}/claims`, {
    claim: { event: 'access/approve' },
  })
  expect(claim.status).toBe(200)
  return petition
}

async function createHook(server: ServerProcess, token: string, url: string): Promise<string> {
  const res = await api<{ secret: string }>(server, token, 'POST', '/spaces/default/webhooks', {
    webhook: { name: 'provision', url, handler: { type: 'applyUpdate' } },
  })
  expect(res.status).toBe(201)
  return res.body.secret
}

const deliveryOf = (call: { headers: Record<string, unknown> }) =>
  String(call.headers['x-openindent-delivery'])

describe.each(ENGINES)('the outbox across a crash, on %s', (engine) => {
  let db: TestDatabase
  let receiver: Receiver
  const servers: ServerProcess[] = []
  const env = {
    OPENINDENT_OUTBOX_LEASE: '3s',
    OPENINDENT_WEBHOOK_TIMEOUT: '2s',
    OPENINDENT_OUTBOX_POLL: '100ms',
    OPENINDENT_OUTBOX_CONCURRENCY: '1',
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    receiver = await startReceiver()
  })
  afterAll(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL')
    await receiver.close()
    await db.drop()
  })

  it('kill -9 between a grant and its delivery: after a restart every delivery arrives, with its own id', async () => {
    const first = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
    servers.push(first)
    const token = first.token ?? ''
    const secret = await createHook(first, token, receiver.url)
    const reviewer = runCli(db, 'token', 'create', '--space', 'default', '--user', 'admin@localhost')
    // The first call is held open: the server dies while delivering it.
    receiver.respond = () => new Promise(() => {})
    await grant(first, token, reviewer, 'cus_1')
    await receiver.waitFor(1)
    // A second grant commits while the only slot is busy: queued, never attempted before the crash.
    await grant(first, token, reviewer, 'cus_2')
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))
    expect(receiver.calls).toHaveLength(1)

    receiver.respond = () => ({ status: 200 })
    const second = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env })
    servers.push(second)
    await receiver.waitFor(3, 20_000)
    const [held, ...after] = receiver.calls
    if (!held) throw new Error('no call')
    // The held delivery is taken over once its lease ran out, under the same id, as attempt 2.
    const retaken = after.find((c) => deliveryOf(c) === deliveryOf(held))
    expect(retaken?.headers['x-openindent-attempt']).toBe('2')
    expect(retaken?.body).toBe(held.body)
    const other = after.find((c) => deliveryOf(c) !== deliveryOf(held))
    expect(JSON.parse(other?.body ?? '{}').events.at(-1).resources[1].id).toBe('cus_2')
    for (const c of receiver.calls)
      expect(await verify({ secret, body: c.body, headers: c.headers as never })).toBe(true)

    const listed = await api<{ deliveries: WireDelivery[] }>(
      second,
      token,
      'GET',
      '/spaces/default/deliveries',
    )
    expect(listed.body.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered'])
    await sleep(500)
    expect(receiver.calls).toHaveLength(3)
    expect(await second.stop()).toBe(0)
  })
})

describe.each(ENGINES)('a slow receiver on %s', (engine) => {
  let db: TestDatabase
  let receiver: Receiver
  let server: ServerProcess

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    receiver = await startReceiver()
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
  })
  afterAll(async () => {
    await server.stop()
    await receiver.close()
    await db.drop()
  })

  it('answering after 5 s slows neither approvals:check nor the grants that queue its calls', async () => {
    const token = server.token ?? ''
    await createHook(server, token, receiver.url)
    const reviewer = runCli(db, 'token', 'create', '--space', 'default', '--user', 'admin@localhost')
    let answered = 0
    receiver.respond = async () => {
      await sleep(5000)
      answered++
      return { status: 200 }
    }
    const grantMs: number[] = []
    for (let i = 0; i < 4; i++) {
      const t = performance.now()
      await grant(server, token, reviewer, `cus_slow_${i}`)
      grantMs.push(performance.now() - t)
    }
    await receiver.waitFor(4)
    const checkMs: number[] = []
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      const res = await api<{ status?: string }>(server, token, 'POST', '/spaces/default/approvals:check', {
        petitioners: [PETITIONER],
        resources: [{ kind: 'customer', id: `cus_slow_${i % 4}` }],
      })
      checkMs.push(performance.now() - t)
      expect(res.status).toBe(200)
    }
    // Every call was made while the receiver still held all four deliveries.
    expect(answered).toBe(0)
    expect(Math.max(...grantMs)).toBeLessThan(1000)
    expect(Math.max(...checkMs)).toBeLessThan(1000)
    await receiver.waitFor(4)
  }, 30_000)
})

describe('two instances on PostgreSQL never make the same attempt at once', () => {
  let two: TwoInstances
  let receiver: Receiver

  beforeAll(async () => {
    receiver = await startReceiver()
    two = await startTwoInstances({
      OPENINDENT_OUTBOX_POLL: '20ms',
      OPENINDENT_OUTBOX_RETRY_BASE: '10ms',
      OPENINDENT_OUTBOX_RETRY_MAX: '50ms',
      OPENINDENT_OUTBOX_MAX_ATTEMPTS: '20',
    })
  })
  afterAll(async () => {
    await two.stop()
    await receiver.close()
  })
  afterEach(() => {
    receiver.respond = () => ({ status: 200 })
  })

  it('40 grants through both instances, a receiver that fails a third of the calls: each delivered, no overlap', async () => {
    await createHook(two.a, two.token, receiver.url)
    const reviewer = two.cli('token', 'create', '--space', 'default', '--user', 'admin@localhost')
    const inFlight = new Map<string, number>()
    const attempts = new Set<string>()
    const overlaps: string[] = []
    const duplicates: string[] = []
    const delivered = new Set<string>()
    let n = 0
    receiver.respond = async (call) => {
      const id = deliveryOf(call)
      const key = `${id}#${String(call.headers['x-openindent-attempt'])}`
      if (attempts.has(key)) duplicates.push(key)
      attempts.add(key)
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1)
      if ((inFlight.get(id) ?? 0) > 1) overlaps.push(id)
      await sleep(20)
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1)
      if (n++ % 3 === 0) return { status: 500 }
      delivered.add(id)
      return { status: 200 }
    }
    const grants = Array.from({ length: 40 }, (_, i) => i)
    // Half the grants commit on each instance.
    for (const i of grants) await grant(i % 2 ? two.b : two.a, two.token, reviewer, `cus_pair_${i}`)
    const deadline = Date.now() + 30_000
    while (delivered.size < 40 && Date.now() < deadline) await sleep(50)
    expect(delivered.size).toBe(40)
    expect(overlaps).toEqual([])
    expect(duplicates).toEqual([])
    const listed = await api<{ deliveries: WireDelivery[] }>(
      two.b,
      two.token,
      'GET',
      '/spaces/default/deliveries?pageSize=100',
    )
    expect(listed.body.deliveries).toHaveLength(40)
    expect(listed.body.deliveries.every((d) => d.status === 'delivered')).toBe(true)
  }, 60_000)
})
