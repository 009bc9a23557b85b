/**
 * Expiry at scale: `--grants 2000` grants that all expire in the same second (approved with one
 * `indent.com/time/expires` instant, `--lead` seconds ahead so that the setup finishes first), on one
 * SQLite instance and on two PostgreSQL instances. Prints how long after the expiry the last of them
 * was revoked (no petition left `granted`, polled through the API; target < 1 s). Meanwhile a checker
 * asks the approval check for a sample of the requests, through both instances, from a second before
 * the expiry to at least two seconds after: any check sent after the expiry that answers `granted` is
 * counted (target: none).
 *
 *   npm run bench:expiry [-- --grants 2000 --lead 60 --engines sqlite,postgres]
 */
import { IndentAPI } from '@openindent/api'
import type { PetitionResource } from '@openindent/contract'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { type ServerProcess, startServerProcess } from '../test/support/server-process.js'
import { startTwoInstances } from '../test/support/two-instances.js'
import { createUserToken } from './lib/cli-token.js'
import { fmt, parseArgs } from './lib/stats.js'

const args = parseArgs()
const GRANTS = Number(args.get('grants') ?? 2000)
const LEAD_S = Number(args.get('lead') ?? 60)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const PARALLEL = 8
const ENV = { LOG_LEVEL: 'warn', OPENINDENT_AUTH_FAILURES_PER_MINUTE: '100000' }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const requestFor = (i: number) => ({
  petitioners: [{ kind: 'user', id: `u${i}@example.com`, email: `u${i}@example.com` }] as PetitionResource[],
  resources: [{ kind: 'customer', id: `cus_exp_${i}` }] as PetitionResource[],
})

async function run(engine: string, apis: string[], token: string, reviewer: string): Promise<void> {
  const clients = apis.map(
    (baseURL) => new IndentAPI({ baseURL, apiToken: token, spaceName: 'default', decisionCache: false }),
  )
  const first = clients[0] as IndentAPI
  // All grants end at the same whole second.
  const expireAt = Math.ceil((Date.now() + LEAD_S * 1000) / 1000) * 1000
  const expires = new Date(expireAt).toISOString()
  let next = 0
  const setupStarted = performance.now()
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let i = next++; i < GRANTS; i = next++) {
        const opened = await first.petition.check(requestFor(i))
        const res = await fetch(
          `${apis[i % apis.length]}/spaces/default/petitions/${opened.petition.name}/claims`,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/expires': expires } } },
            }),
          },
        )
        if (res.status !== 200) throw new Error(`approve: ${res.status} ${await res.text()}`)
      }
    }),
  )
  const setupS = (performance.now() - setupStarted) / 1000
  if (Date.now() > expireAt - 1500) {
    throw new Error(`the setup took ${setupS.toFixed(0)} s, past the expiry: run with a larger --lead`)
  }
  // From a second before the expiry: a check of a sample request (round robin over the instances),
  // and once past the expiry, whether any granted petition is left; until all are gone and 2 s passed.
  let afterExpiry = 0
  let grantedAfter = 0
  let allGoneAt: number | undefined
  await sleep(expireAt - 1000 - Date.now())
  for (let k = 0; Date.now() < expireAt + 2000 || allGoneAt === undefined; k++) {
    if (Date.now() > expireAt + 30_000) break
    const client = clients[k % clients.length] as IndentAPI
    const sent = Date.now()
    const answer = await client.petition.check({ ...requestFor((k * 97) % GRANTS), wait: 0 })
    if (sent >= expireAt) {
      afterExpiry++
      if (answer.status === 'granted') grantedAfter++
      if (allGoneAt === undefined) {
        const polled = Date.now()
        const { petitions } = await client.petition.list({ phase: 'granted', pageSize: 1 })
        if (petitions.length === 0) allGoneAt = polled
      }
    }
  }
  const lateMs = allGoneAt === undefined ? Number.POSITIVE_INFINITY : allGoneAt - expireAt
  console.log(
    `${engine.padEnd(8)} ${fmt(GRANTS)} grants expiring at one instant (${apis.length} instance(s), setup ` +
      `${setupS.toFixed(0)} s): none left granted ${lateMs === Number.POSITIVE_INFINITY ? 'after 30 s' : `${lateMs} ms`} ` +
      `after the expiry (target < 1000 ms: ${lateMs < 1000 ? 'PASS' : 'MISSED'})`,
  )
  console.log(
    `${engine.padEnd(8)} checks sent after the expiry: ${fmt(afterExpiry)}, answered granted: ${grantedAfter} ` +
      `(target none: ${grantedAfter === 0 && afterExpiry > 0 ? 'PASS' : 'MISSED'})`,
  )
}

console.log(`expiry: ${fmt(GRANTS)} grants expiring in the same second, ${LEAD_S} s ahead`)
for (const engine of ENGINES) {
  if (engine === 'sqlite') {
    const db = await createTestDatabase('sqlite')
    const server: ServerProcess = await startServerProcess({ dataDir: db.dataDir, env: ENV })
    try {
      await run('sqlite', [server.apiUrl], server.token ?? '', createUserToken(db, 'reviewer@example.com'))
    } finally {
      await server.stop()
      await db.drop()
    }
  } else {
    const two = await startTwoInstances(ENV)
    try {
      await run(
        'postgres',
        [two.a.apiUrl, two.b.apiUrl],
        two.token,
        createUserToken(two.db, 'reviewer@example.com'),
      )
    } finally {
      await two.stop()
    }
  }
}
