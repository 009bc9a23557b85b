/**
 * The SDK's decision cache (packages/api/src/decision-cache.ts), against real servers (child
 * processes) over real HTTP.
 *
 * (a) A cached check: `client.petition.check` of a live grant, one after another for `--duration`
 *     seconds, answered from memory; then, in the same run, the same check with `decisionCache: false`
 *     (one HTTP request each, one at a time). Prints checks/s and µs per check of both and the ratio
 *     (targets: ≥ 100× and < 10 µs per cached check).
 * (b) Revocation latency: `--clients 10` SDK clients (each its own client and stream, as separate
 *     processes would have) hold a cached grant through instance A; the petition is revoked through
 *     the API on instance B; the time from the revoke call returning until no client would answer it
 *     from memory any more (its next check asks the server, which answers not granted). p50 and p99
 *     over `--revokes 100` revokes (target p99 < 100 ms). SQLite: one instance (A is B); PostgreSQL:
 *     two instances on one database, the change crossing by LISTEN/NOTIFY.
 *
 *   npm run bench:decision-cache [-- --duration 3 --clients 10 --revokes 100 --engines sqlite,postgres]
 */
import { IndentAPI } from '@openindent/api'
import type { PetitionResource } from '@openindent/contract'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { type ServerProcess, startServerProcess } from '../test/support/server-process.js'
import { startTwoInstances } from '../test/support/two-instances.js'
import { createUserToken } from './lib/cli-token.js'
import { fmt, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const DURATION = Number(args.get('duration') ?? 3)
const CLIENTS = Number(args.get('clients') ?? 10)
const REVOKES = Number(args.get('revokes') ?? 100)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const ENV = { LOG_LEVEL: 'warn', OPENINDENT_AUTH_FAILURES_PER_MINUTE: '100000' }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISSED')
let seq = 0
const request = () => ({
  petitioners: [
    { kind: 'user', id: 'support@example.com', email: 'support@example.com' },
  ] as PetitionResource[],
  resources: [{ kind: 'customer', id: `cus_bench_${seq++}` }] as PetitionResource[],
})

interface Setup {
  apiA: string
  apiB: string
  token: string
  reviewerToken: string
}

/** Opens a petition through instance A and approves it through plain HTTP: the request is granted. */
async function grant(s: Setup, req: ReturnType<typeof request>): Promise<string> {
  const opener = new IndentAPI({
    baseURL: s.apiA,
    apiToken: s.token,
    spaceName: 'default',
    decisionCache: false,
  })
  const opened = await opener.petition.check(req)
  await httpClaim(s.apiA, s.reviewerToken, opened.petition.name, {
    event: 'access/approve',
    meta: { labels: { 'indent.com/time/duration': '2h' } },
  })
  return opened.petition.name
}

async function httpClaim(api: string, token: string, petition: string, claim: Record<string, unknown>) {
  const res = await fetch(`${api}/spaces/default/petitions/${petition}/claims`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ claim }),
  })
  if (res.status !== 200) throw new Error(`claim ${claim.event}: ${res.status} ${await res.text()}`)
}

/** Checks through `client` until it answers from memory (its stream is up and the answer kept). */
async function untilCached(client: IndentAPI, req: ReturnType<typeof request>): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const hits = client.decisions?.stats.hits ?? 0
    const answer = await client.petition.check(req)
    if (answer.status !== 'granted') throw new Error(`not granted: ${answer.status}`)
    if ((client.decisions?.stats.hits ?? 0) > hits) return
    if (Date.now() > deadline) throw new Error('the decision cache never answered')
    await sleep(5)
  }
}

async function cachedVersusHttp(s: Setup, engine: string): Promise<void> {
  const client = new IndentAPI({ baseURL: s.apiA, apiToken: s.token, spaceName: 'default' })
  try {
    const req = request()
    await grant(s, req)
    await untilCached(client, req)
    const run = async (options: { decisionCache?: boolean }) => {
      let n = 0
      const started = performance.now()
      const until = started + DURATION * 1000
      while (performance.now() < until) {
        for (let i = 0; i < 100; i++) {
          const answer = await client.petition.check(req, options)
          if (answer.status !== 'granted') throw new Error(`not granted: ${answer.status}`)
        }
        n += 100
      }
      const us = ((performance.now() - started) * 1000) / n
      return { n, us, perSecond: 1e6 / us }
    }
    const missesBefore = client.decisions?.stats.misses ?? 0
    const cached = await run({})
    const missed = (client.decisions?.stats.misses ?? 0) - missesBefore
    const http = await run({ decisionCache: false })
    const ratio = http.us / cached.us
    console.log(
      `${engine.padEnd(8)} cached check ${fmt(cached.perSecond)}/s, ${cached.us.toFixed(2)} µs each ` +
        `(${fmt(cached.n)} checks, ${missed} went to the server); HTTP check ${fmt(http.perSecond)}/s, ` +
        `${http.us.toFixed(0)} µs each`,
    )
    console.log(
      `${engine.padEnd(8)} cached vs HTTP ${fmt(ratio)}× (target ≥ 100×: ${verdict(ratio >= 100)}); ` +
        `${cached.us.toFixed(2)} µs per cached check (target < 10 µs: ${verdict(cached.us < 10)})`,
    )
  } finally {
    client.decisions?.close()
  }
}

async function revocationLatency(s: Setup, engine: string, instances: string): Promise<void> {
  const clients = Array.from(
    { length: CLIENTS },
    () => new IndentAPI({ baseURL: s.apiA, apiToken: s.token, spaceName: 'default' }),
  )
  const latencies: number[] = []
  try {
    for (let r = 0; r < REVOKES; r++) {
      const req = request()
      const petition = await grant(s, req)
      await Promise.all(clients.map((c) => untilCached(c, req)))
      await httpClaim(s.apiB, s.reviewerToken, petition, { event: 'access/revoke', reason: 'bench' })
      const returned = performance.now()
      // Polled every millisecond: a lookup is what a check consults before asking the server.
      for (;;) {
        const held = clients.some((c) => c.decisions?.lookup('default', req.petitioners, req.resources))
        if (!held) break
        if (performance.now() - returned > 5000) throw new Error('a client kept the revoked grant for 5 s')
        await sleep(1)
      }
      latencies.push(performance.now() - returned)
    }
  } finally {
    for (const c of clients) c.decisions?.close()
  }
  const p50 = percentile(latencies, 50)
  const p99 = percentile(latencies, 99)
  console.log(
    `${engine.padEnd(8)} revocation (${instances}, ${CLIENTS} clients, ${REVOKES} revokes): from the revoke ` +
      `call returning to no client holding it: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ` +
      `${Math.max(...latencies).toFixed(1)} ms (target p99 < 100 ms: ${verdict(p99 < 100)})`,
  )
}

console.log(
  `decision cache: ${DURATION} s per check loop; revocation with ${CLIENTS} clients, ${REVOKES} revokes ` +
    '(polled every 1 ms, so figures are rounded up to about a millisecond)',
)
for (const engine of ENGINES) {
  let stop: () => Promise<unknown>
  let setup: Setup
  let instances: string
  if (engine === 'sqlite') {
    const db = await createTestDatabase('sqlite')
    const server: ServerProcess = await startServerProcess({ dataDir: db.dataDir, env: ENV })
    stop = async () => {
      await server.stop()
      await db.drop()
    }
    const reviewerToken = createUserToken(db, 'reviewer@example.com')
    setup = { apiA: server.apiUrl, apiB: server.apiUrl, token: server.token ?? '', reviewerToken }
    instances = 'one instance'
  } else {
    const two = await startTwoInstances(ENV)
    stop = two.stop
    const reviewerToken = createUserToken(two.db, 'reviewer@example.com')
    setup = { apiA: two.a.apiUrl, apiB: two.b.apiUrl, token: two.token, reviewerToken }
    instances = 'revoked on B, held through A'
  }
  try {
    await cachedVersusHttp(setup, engine)
    await revocationLatency(setup, engine, instances)
  } finally {
    await stop()
  }
}
