/**
 * Decision latency: the time from sending a reviewer's approve claim to a waiting
 * `approval({ …, wait: 10 })` (from @openindent/approvals, in this process) resolving. Per engine, a
 * server process; on PostgreSQL also two server processes on one database, the waiting call held by
 * instance A and the approval sent to instance B (the decision crosses by LISTEN/NOTIFY). Each round
 * uses a fresh customer: the petition is opened first (a check with `wait: 0`), then approval() is
 * started and given 100 ms to be held by the server, then the approval is sent. Prints the median and
 * p90 (target: median under 50 ms), and the approve call's own round trip beside them.
 *
 *   npm run bench:decision-latency [-- --rounds 30 --engines sqlite,postgres]
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { IndentAPI } from '@openindent/api'
import { approval } from '@openindent/approvals'
import type { PetitionResource } from '@openindent/contract'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { type ServerProcess, startServerProcess } from '../test/support/server-process.js'
import { createUserToken } from './lib/cli-token.js'
import { ms, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const ROUNDS = Number(args.get('rounds') ?? 30)
const WARMUP_ROUNDS = 3
const HOLD_MS = 100
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const PETITIONER: PetitionResource = { kind: 'user', id: 'u_oncall', email: 'oncall@example.com' }

interface Instance {
  server: ServerProcess
  /** The bootstrap service account (petitionAdmin): opens petitions for the petitioner. */
  service: IndentAPI
  reviewer: IndentAPI
}

interface Samples {
  /** Approve sent → approval() resolved. */
  decision: number[]
  /** Approve sent → approve answered. */
  approve: number[]
}

function instance(server: ServerProcess, token: string, reviewerToken: string): Instance {
  const client = (apiToken: string) =>
    new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken })
  return { server, service: client(token), reviewer: client(reviewerToken) }
}

/** One round: returns [decision ms, approve ms]. */
async function round(
  waitOn: Instance,
  approveOn: Instance,
  token: string,
  id: string,
): Promise<[number, number]> {
  const request = {
    petitioners: [PETITIONER],
    resources: [{ kind: 'customer', id, displayName: `Customer ${id}` }],
    reason: 'decision latency bench',
  }
  const opened = await waitOn.service.petition.check({ ...request, wait: 0 })
  if (opened.status !== 'waiting') throw new Error(`a fresh petition should be waiting, got ${opened.status}`)

  const state = { settled: false }
  const waiting = approval(
    { ...request, wait: 10 },
    { baseURL: waitOn.server.apiUrl, spaceName: 'default', apiToken: token },
  ).then(
    () => {
      state.settled = true
      return performance.now()
    },
    (err: unknown) => {
      state.settled = true
      return err instanceof Error ? err : new Error(String(err))
    },
  )
  await sleep(HOLD_MS)
  if (state.settled) throw new Error(`approval() settled before the approval was sent: ${await waiting}`)

  const sent = performance.now()
  await approveOn.reviewer.petition.approve({ petitionName: opened.petition.name, duration: '1h' })
  const approved = performance.now()
  const resolved = await waiting
  if (resolved instanceof Error) throw resolved
  return [resolved - sent, approved - sent]
}

async function measure(
  label: string,
  waitOn: Instance,
  approveOn: Instance,
  token: string,
): Promise<Samples> {
  const samples: Samples = { decision: [], approve: [] }
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    const [decision, approve] = await round(waitOn, approveOn, token, `cus_${label}_${i}`)
    if (i < WARMUP_ROUNDS) continue
    samples.decision.push(decision)
    samples.approve.push(approve)
  }
  return samples
}

function report(engine: string, label: string, s: Samples): void {
  const median = percentile(s.decision, 50)
  console.log(
    `${engine.padEnd(8)} ${label.padEnd(37)} approve → approval() resolves: median ${ms(median)}  ` +
      `p90 ${ms(percentile(s.decision, 90))}  (target median < 50 ms${median < 50 ? '' : ', MISSED'})  ` +
      `[approve call alone: median ${ms(percentile(s.approve, 50))}, p90 ${ms(percentile(s.approve, 90))}]`,
  )
}

async function start(db: TestDatabase): Promise<ServerProcess> {
  return startServerProcess({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: { LOG_LEVEL: 'info' },
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  })
}

console.log(`decision latency: ${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up rounds) per case`)
for (const engine of ENGINES) {
  const db = await createTestDatabase(engine)
  const servers: ServerProcess[] = []
  try {
    const a = await start(db)
    servers.push(a)
    const token = a.token ?? ''
    const reviewerToken = createUserToken(db, 'reviewer@example.com')
    const first = instance(a, token, reviewerToken)
    report(engine, 'one instance', await measure('one', first, first, token))
    if (engine === 'postgres') {
      const b = await start(db)
      servers.push(b)
      const second = instance(b, token, reviewerToken)
      report(engine, 'across instances (wait A, approve B)', await measure('cross', first, second, token))
    }
  } finally {
    for (const s of servers) {
      const code = await s.stop()
      if (code !== 0) {
        console.error(`server exited with ${code}:\n${s.output().slice(-2000)}`)
        process.exitCode = 1
      }
    }
    await db.drop()
  }
}
