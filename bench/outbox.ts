/**
 * Outbox throughput and latency: N grants (a petition filed by the service account, approved by a
 * person) each queue one signed `applyUpdate` delivery to a local receiver. Per setup (SQLite, one
 * PostgreSQL instance, two PostgreSQL instances on one database) it runs two phases:
 *
 * - live: the grants are made by concurrent clients while the worker delivers; it reports the
 *   deliveries per second (bound by how fast grants are made) and the time from the grant's commit
 *   (the `access/grant` event's timestamp, taken in the committing transaction, so a slight
 *   overstatement) to the receiver having the whole call: median, p99, max;
 * - backlog: the receiver holds every call until all N grants are committed, then answers; the time
 *   from that moment to the last delivery received gives the worker's drain rate.
 *
 * The issue names no numeric target; the figures are printed beside "target: none given".
 *
 *   npm run bench:outbox [-- --grants 10000 --clients 8 --setups sqlite,postgres,postgres-x2]
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { type Receiver, startReceiver } from '../packages/server/test/helpers/receiver.js'
import { type ServerProcess, startServerProcess } from '../test/support/server-process.js'
import { api } from '../test/support/two-instances.js'
import { createUserToken } from './lib/cli-token.js'
import { fmt, ms, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const GRANTS = Number(args.get('grants') ?? 10_000)
const CLIENTS = Number(args.get('clients') ?? 8)
const SETUPS = (args.get('setups') ?? 'sqlite,postgres,postgres-x2').split(',')
const PETITIONER = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
// Calls held for the backlog phase must not time out meanwhile.
const ENV = {
  OPENINDENT_WEBHOOK_TIMEOUT: '10m',
  OPENINDENT_OUTBOX_LEASE: '11m',
  OPENINDENT_AUTH_FAILURES_PER_MINUTE: '100000',
  LOG_LEVEL: 'warn',
}

interface Setup {
  db: TestDatabase
  servers: ServerProcess[]
  token: string
  reviewer: string
}

async function start(name: string): Promise<Setup> {
  const engine = name.startsWith('postgres') ? 'postgres' : 'sqlite'
  const db = await createTestDatabase(engine)
  const first = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: ENV })
  const servers = [first]
  if (name.endsWith('-x2')) {
    servers.push(await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: ENV }))
  }
  return { db, servers, token: first.token ?? '', reviewer: createUserToken(db, 'reviewer@example.com') }
}

/** Makes `count` grants with CLIENTS concurrent clients, spread over the instances. */
async function grants(s: Setup, prefix: string, count: number): Promise<void> {
  let next = 0
  const client = async () => {
    for (;;) {
      const i = next++
      if (i >= count) return
      const server = s.servers[i % s.servers.length] as ServerProcess
      const check = await api<{ petition: { name: string } }>(
        server,
        s.token,
        'POST',
        '/spaces/default/approvals:check',
        {
          petitioners: [PETITIONER],
          resources: [{ kind: 'customer', id: `${prefix}_${i}` }],
        },
      )
      if (check.status !== 200) throw new Error(`check answered ${check.status}`)
      const claim = await api(
        server,
        s.reviewer,
        'POST',
        `/spaces/default/petitions/${check.body.petition.name}/claims`,
        {
          claim: { event: 'access/approve' },
        },
      )
      if (claim.status !== 200) throw new Error(`approve answered ${claim.status}`)
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client))
}

/** Delivery id → [grant time, receipt time], for calls whose grant target starts with `prefix`. */
function receipts(receiver: Receiver, prefix: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>()
  for (const c of receiver.calls) {
    const { events } = JSON.parse(c.body) as {
      events: { event: string; timestamp: string; resources: { id: string }[] }[]
    }
    const g = events.find((e) => e.event === 'access/grant')
    if (!g?.resources[1]?.id.startsWith(prefix)) continue
    const id = String(c.headers['x-openindent-delivery'])
    if (!out.has(id)) out.set(id, [Date.parse(g.timestamp), c.at])
  }
  return out
}

async function until(
  receiver: Receiver,
  prefix: string,
  count: number,
): Promise<Map<string, [number, number]>> {
  const deadline = Date.now() + 30 * 60_000
  for (;;) {
    const got = receipts(receiver, prefix)
    if (got.size >= count) return got
    if (Date.now() > deadline) throw new Error(`only ${got.size} of ${count} deliveries arrived`)
    await sleep(100)
  }
}

async function run(name: string): Promise<void> {
  const receiver = await startReceiver()
  const s = await start(name)
  try {
    const hook = await api(s.servers[0] as ServerProcess, s.token, 'POST', '/spaces/default/webhooks', {
      webhook: { name: 'bench', url: receiver.url, handler: { type: 'applyUpdate' } },
    })
    if (hook.status !== 201) throw new Error(`webhook create answered ${hook.status}`)

    // Live: deliveries follow the grants as they commit.
    const t0 = Date.now()
    const tg = performance.now()
    await grants(s, 'live', GRANTS)
    const grantSeconds = (performance.now() - tg) / 1000
    const live = await until(receiver, 'live', GRANTS)
    const lags = [...live.values()].map(([granted, received]) => received - granted)
    const last = Math.max(...[...live.values()].map(([, received]) => received))
    console.log(
      `${name.padEnd(12)} live     ${fmt(GRANTS)} grants at ${fmt(GRANTS / grantSeconds)}/s; ` +
        `${fmt(GRANTS / ((last - t0) / 1000))} deliveries/s; commit→receipt median ${ms(percentile(lags, 50))}, ` +
        `p99 ${ms(percentile(lags, 99))}, max ${ms(Math.max(...lags))} (target: none given)`,
    )

    // Backlog: every call is held until all grants are committed, then the queue drains.
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    receiver.respond = async () => {
      await gate
      return { status: 200 }
    }
    await grants(s, 'backlog', GRANTS)
    const opened = Date.now()
    open()
    const backlog = await until(receiver, 'backlog', GRANTS)
    const drained = Math.max(...[...backlog.values()].map(([, received]) => received))
    console.log(
      `${name.padEnd(12)} backlog  ${fmt(GRANTS)} queued deliveries drained at ` +
        `${fmt(GRANTS / Math.max(0.001, (drained - opened) / 1000))}/s (target: none given)`,
    )
  } finally {
    for (const server of s.servers) await server.stop()
    await s.db.drop()
    await receiver.close()
  }
}

console.log(`outbox bench: ${fmt(GRANTS)} grants per phase, ${CLIENTS} clients`)
for (const name of SETUPS) await run(name)
