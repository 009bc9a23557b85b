/**
 * Approval check throughput on an active grant: autocannon, 50 keep-alive connections, POSTing the same
 * `approvals:check` body (no wait) to a running server (a child process) whose petition for that
 * petitioner × customer is granted; then, in the same run, the same load against a bare `node:http`
 * server (a child process too) answering the same JSON the real server answered. Per engine, prints
 * requests/s and p99 latency of both, the ratio (target ≥ 0.40) and the server's p99 (target < 5 ms).
 * Every answer of the measured run must be 2xx and the granted answer byte for byte; the exit code is 1
 * otherwise. The load is closed-loop (50 requests always in flight), so latency ≈ 50 / throughput: a
 * p99 under 5 ms needs more than 10,000 answers/s.
 *
 *   npm run bench:approval-check [-- --duration 10 --engines sqlite,postgres]
 *
 * More flags: `--warmup 2` (seconds of load before each measured run, not counted), `--connections 50`.
 *
 * Two more phases per server, in the same run: an **open loop** at `--rate 5000` requests/s offered
 * (each request sent when due, answered or not; latency from the due time; see lib/open-loop.ts),
 * whose p99 is the < 5 ms target, on both servers; and a **mixed load** on the real server: the closed
 * loop again while `--write-rate 50` writes/s land in the same space (a petition opened for another
 * customer, its approval, a resource uploaded, in turn), printing the share of checks answered from
 * the cache (read from the server's "cached approval check answers" log lines). `--rate 0` or
 * `--write-rate 0` skips a phase.
 * The server runs as deployed (LOG_LEVEL=info, one log line per request, to a pipe this process reads);
 * autocannon fires from a worker thread so that this thread stays free to drain that pipe (pino writes
 * synchronously: a full pipe would stall the server and be measured as its latency). The figures
 * include each server process's CPU time per answer, which other work on a shared machine disturbs
 * less than requests per second. The server gets the Node.js flags in BENCH_SERVER_NODE_ARGS, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
import { IndentAPI } from '@openindent/api'
import type { CheckApprovalRequest } from '@openindent/contract'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { startServerProcess } from '../test/support/server-process.js'
import { type LoadResult, load } from './lib/autocannon.js'
import { startBareJsonServer } from './lib/bare-server-process.js'
import { createUserToken } from './lib/cli-token.js'
import { type OpenLoopResult, openLoop } from './lib/open-loop.js'
import { processCpuMs } from './lib/process-cpu.js'
import { fmt, parseArgs } from './lib/stats.js'

const args = parseArgs()
const DURATION = Number(args.get('duration') ?? 10)
const WARMUP = Number(args.get('warmup') ?? 2)
const CONNECTIONS = Number(args.get('connections') ?? 50)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const RATE = Number(args.get('rate') ?? 5000)
const WRITE_RATE = Number(args.get('write-rate') ?? 50)

const CHECK: CheckApprovalRequest = {
  petitioners: [{ kind: 'user', id: 'u_bench', email: 'support@example.com' }],
  resources: [{ kind: 'customer', id: 'cus_bench', displayName: 'Bench Co' }],
  reason: 'benchmarking the approval check',
}
const CHECK_BODY = JSON.stringify(CHECK)
const GRANTED = '"status":"granted"'
/** autocannon's threads; one, so that the main thread is free (see above). */
const LOAD_WORKERS = 1

interface Measured {
  rps: number
  p99: number
  /** The server process's CPU time per answer, in µs, during the measured run (where /proc exists). */
  cpuPerAnswer: number | undefined
  result: LoadResult
}

/**
 * Warm-up load (discarded), then the measured load; both POST the check body with `token`, and every
 * answer must be `expected` byte for byte.
 */
async function measure(
  url: string,
  token: string,
  expected: string,
  pid: number | undefined,
): Promise<Measured> {
  const options = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: CHECK_BODY,
    connections: CONNECTIONS,
    expectBody: expected,
    workers: LOAD_WORKERS,
  }
  if (WARMUP > 0) await load({ ...options, duration: WARMUP })
  const cpuBefore = processCpuMs(pid)
  const result = await load({ ...options, duration: DURATION })
  const cpuAfter = processCpuMs(pid)
  const cpuPerAnswer =
    cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
      ? undefined
      : ((cpuAfter - cpuBefore) / result.requests.total) * 1000
  return { rps: result.requests.average, p99: result.latency.p99, cpuPerAnswer, result }
}

/** What was wrong with a run: anything but 2xx answers identical to the granted one. */
function problems(r: LoadResult): string[] {
  const found: string[] = []
  if (r.non2xx !== 0) found.push(`${r.non2xx} non-2xx`)
  if (r.errors !== 0) found.push(`${r.errors} errors`)
  if (r.timeouts !== 0) found.push(`${r.timeouts} timeouts`)
  if (r.mismatches !== 0) found.push(`${r.mismatches} answers other than the granted one`)
  if (r['2xx'] === 0) found.push('no 2xx answers')
  return found
}

async function postCheck(url: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: CHECK_BODY,
  })
  return { status: res.status, text: await res.text() }
}

interface Mixed {
  result: LoadResult
  writes: number
  /** Check answers the server logged during the phase: from the cache, and by the app (the writer's excluded). */
  cached: number
  computed: number
}

interface ServerFigures {
  measured: Measured
  body: string
  open: OpenLoopResult | undefined
  mixed: Mixed | undefined
}

const open = (url: string, token: string, expected: string) =>
  openLoop({
    url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: CHECK_BODY,
    rate: RATE,
    duration: DURATION,
    expectBody: expected,
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * From the server's log: the check answers it sent from the cache (the counts of its "cached approval
 * check answers" lines) and those the app computed (its request lines for the check's path).
 */
function checkAnswers(log: string): { cached: number; computed: number } {
  let cached = 0
  let computed = 0
  for (const line of log.split('\n')) {
    if (line.includes('cached approval check answers')) {
      cached += (JSON.parse(line) as { count?: number }).count ?? 0
    } else if (line.includes('"msg":"request"') && line.includes('approvals:check')) computed++
  }
  return { cached, computed }
}

/**
 * The closed loop again while `WRITE_RATE` writes/s land in the same space: in turn a petition opened
 * for another customer (a check that opens one), its approval, and a resource upload. Each is a commit
 * that an any-write-drops-everything cache would pay for in misses.
 */
async function mixedLoad(
  server: { apiUrl: string; output(): string },
  url: string,
  token: string,
  reviewer: IndentAPI,
  expected: string,
): Promise<Mixed> {
  await sleep(1200) // the previous phase's last summary line is out
  const from = server.output().length
  let writes = 0
  let writerChecks = 0
  let stop = false
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` }
  // Two writes: a check that opens a petition for another customer, then its approval.
  const openAndApprove = async (i: number) => {
    const body = JSON.stringify({ ...CHECK, resources: [{ kind: 'customer', id: `cus_mixed_${i}` }] })
    writerChecks++
    const res = await fetch(url, { method: 'POST', headers, body })
    const opened = ((await res.json()) as { petition?: { name: string } }).petition?.name
    writes++
    if (opened) await reviewer.petition.approve({ petitionName: opened, duration: '1h' })
    writes++
  }
  const upload = async (i: number) => {
    const body = JSON.stringify({
      resources: [{ kind: 'customer', id: `cus_up_${i}`, labels: { n: `${i}` } }],
    })
    await fetch(`${server.apiUrl}/spaces/default/resources:bulkUpdate`, { method: 'PUT', headers, body })
    writes++
  }
  // Started when due, not after the previous one: writes slowed by the load must not lower the rate.
  const writer = (async () => {
    const started = performance.now()
    const pending = new Set<Promise<void>>()
    for (let i = 0; !stop; i += i % 3 === 0 ? 2 : 1) {
      const due = started + (i * 1000) / WRITE_RATE
      if (due > performance.now()) await sleep(due - performance.now())
      if (stop) break
      const task = (i % 3 === 0 ? openAndApprove(i) : upload(i)).catch(() => {})
      pending.add(task)
      void task.then(() => pending.delete(task))
    }
    await Promise.all(pending)
  })()
  const result = await load({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: CHECK_BODY,
    connections: CONNECTIONS,
    expectBody: expected,
    workers: LOAD_WORKERS,
    duration: DURATION,
  })
  stop = true
  await writer
  await sleep(1200)
  const { cached, computed } = checkAnswers(server.output().slice(from))
  return { result, writes, cached, computed: computed - writerChecks }
}

/** The real server: a granted petition, then the load. Returns the figures and the JSON it answered. */
async function againstServer(db: TestDatabase): Promise<ServerFigures> {
  const server = await startServerProcess({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info' },
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  })
  try {
    const token = server.token ?? ''
    const url = `${server.apiUrl}/spaces/default/approvals:check`
    const opened = await postCheck(url, token)
    if (opened.status !== 200 || !opened.text.includes('"status":"waiting"')) {
      throw new Error(`the first check should open a petition: ${opened.status} ${opened.text}`)
    }
    const { petition } = JSON.parse(opened.text) as { petition: { name: string } }
    const reviewer = new IndentAPI({
      baseURL: server.apiUrl,
      spaceName: 'default',
      apiToken: createUserToken(db, 'reviewer@example.com'),
    })
    await reviewer.petition.approve({ petitionName: petition.name, duration: '2h' })
    const granted = await postCheck(url, token)
    if (granted.status !== 200 || !granted.text.includes(GRANTED)) {
      throw new Error(`the check should answer granted after the approval: ${granted.status} ${granted.text}`)
    }
    const measured = await measure(url, token, granted.text, server.child.pid)
    const openLoopResult = RATE > 0 ? await open(url, token, granted.text) : undefined
    const mixed = WRITE_RATE > 0 ? await mixedLoad(server, url, token, reviewer, granted.text) : undefined
    return { measured, body: granted.text, open: openLoopResult, mixed }
  } finally {
    const code = await server.stop()
    if (code !== 0) {
      console.error(`server exited with ${code}:\n${server.output().slice(-2000)}`)
      process.exitCode = 1
    }
  }
}

async function againstBare(body: string): Promise<{ measured: Measured; open: OpenLoopResult | undefined }> {
  const bare = await startBareJsonServer(body)
  try {
    const url = `${bare.url}/v1/spaces/default/approvals:check`
    const measured = await measure(url, 'unused', body, bare.pid)
    return { measured, open: RATE > 0 ? await open(url, 'unused', body) : undefined }
  } finally {
    await bare.stop()
  }
}

const latency = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`

console.log(
  `approval check on an active grant: ${CONNECTIONS} keep-alive connections, ${DURATION} s ` +
    `(after ${WARMUP} s warm-up) per server`,
)
for (const engine of ENGINES) {
  const db = await createTestDatabase(engine)
  try {
    const { measured: server, body, open: serverOpen, mixed } = await againstServer(db)
    const { measured: bare, open: bareOpen } = await againstBare(body)
    const ratio = server.rps / bare.rps
    const bad = [
      ...problems(server.result).map((p) => `server: ${p}`),
      ...problems(bare.result).map((p) => `bare: ${p}`),
    ]
    const cpu = (m: Measured) =>
      m.cpuPerAnswer === undefined ? '' : `  CPU ${fmt(m.cpuPerAnswer)} µs/answer`
    const line = (name: string, m: Measured) =>
      `${engine.padEnd(8)} ${name.padEnd(15)} ${fmt(m.rps).padStart(7)} req/s  p99 ${latency(m.p99)}${cpu(m)}  ` +
      `(${fmt(m.result['2xx'])} answers, non-2xx ${m.result.non2xx})`
    console.log(line('OpenIndent', server))
    console.log(line('bare node:http', bare))
    console.log(
      `${engine.padEnd(8)} ratio ${ratio.toFixed(2)} (target ≥ 0.40: ${ratio >= 0.4 ? 'PASS' : 'MISSED'})  ` +
        `closed-loop p99 ${latency(server.p99)}` +
        (server.cpuPerAnswer && bare.cpuPerAnswer
          ? `  CPU per answer ${(server.cpuPerAnswer / bare.cpuPerAnswer).toFixed(1)}× the bare server's`
          : ''),
    )
    const openLine = (name: string, o: OpenLoopResult) =>
      `${engine.padEnd(8)} ${name.padEnd(15)} open loop ${fmt(o.offered)} req/s offered: p50 ${latency(o.p50)}, ` +
      `p99 ${latency(o.p99)}, max ${latency(o.max)}  (${fmt(o.ok)} 2xx, non-2xx ${o.non2xx}, errors ${o.errors})`
    if (serverOpen && bareOpen) {
      console.log(openLine('OpenIndent', serverOpen))
      console.log(openLine('bare node:http', bareOpen))
      console.log(
        `${engine.padEnd(8)} open-loop p99 at ${fmt(RATE)} req/s ${latency(serverOpen.p99)} (target < 5 ms: ` +
          `${serverOpen.p99 < 5 ? 'PASS' : 'MISSED'})`,
      )
      for (const [name, o] of [
        ['server', serverOpen],
        ['bare', bareOpen],
      ] as const) {
        if (o.non2xx + o.errors + o.mismatches > 0 || o.ok === 0) {
          bad.push(
            `${name} open loop: ${o.non2xx} non-2xx, ${o.errors} errors, ${o.mismatches} other answers`,
          )
        }
      }
    }
    if (mixed) {
      // Counted by the server, so the requests still in flight when the load stopped are in too.
      const answers = mixed.cached + mixed.computed
      const hitRate = answers > 0 ? mixed.cached / answers : 0
      console.log(
        `${engine.padEnd(8)} mixed load: ${fmt(mixed.result.requests.average)} checks/s with ` +
          `${fmt(mixed.writes / DURATION)} writes/s; ${(hitRate * 100).toFixed(1)}% answered from the cache ` +
          `(${fmt(mixed.cached)} of ${fmt(answers)}); p99 ${latency(mixed.result.latency.p99)}`,
      )
      bad.push(...problems(mixed.result).map((p) => `mixed: ${p}`))
    }
    if (bad.length > 0) {
      console.log(`${engine.padEnd(8)} INVALID RUN: ${bad.join(', ')}`)
      process.exitCode = 1
    }
  } finally {
    await db.drop()
  }
}
