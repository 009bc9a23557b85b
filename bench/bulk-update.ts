/**
 * bulkUpdate throughput: 100,000 customers to a running server (a child process), beside a raw driver
 * upsert of the same rows into the same schema, in the same run, on SQLite and PostgreSQL. Four rows
 * each: through our SDK with its defaults (chunks of 1,000, `DEFAULT_CONCURRENCY` in flight), answered
 * with every stored resource; the same with `returnResources: false`, answered with counts, as a sync
 * job that does not want the echo asks; that upload again (every row there and unchanged, as a periodic
 * sync sends it; against the raw upsert's second pass); and in one request as Indent's SDK sends it.
 * Each run prints rows/s, the upload's wall time (the one-request line is the 100,000-resource upload
 * in one POST) and the ratio; then each line's median ratio over the runs, against the target (≥ 0.5).
 * A median of runs, because one run of either side moves by 10–20 % on a 2-core machine.
 *
 *   npm run bench:bulk-update [-- --rows 100000 --engines sqlite,postgres --concurrency 2 --runs 3
 *     --modes sdk,sdk-counts,one-request]
 */
import { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, IndentAPI } from '@openindent/api'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { startServerProcess } from '../test/support/server-process.js'
import { rawUpsert } from './lib/raw-upsert.js'
import { fmt, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const ROWS = Number(args.get('rows') ?? 100_000)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const CONCURRENCY = Number(args.get('concurrency') ?? DEFAULT_CONCURRENCY)

const customers = Array.from({ length: ROWS }, (_, i) => ({
  kind: 'customer',
  id: `cus_${i.toString(36).padStart(6, '0')}`,
  displayName: `Customer ${i}`,
  labels: { plan: ['free', 'pro', 'enterprise'][i % 3] as string, region: i % 2 ? 'eu' : 'us' },
}))

const MODES = ['sdk', 'sdk counts', 'one request'] as const
type Mode = (typeof MODES)[number]
const chosen = args
  .get('modes')
  ?.split(',')
  .map((m) => m.replace('-', ' '))
const modes = MODES.filter((m) => !chosen || chosen.includes(m))
if (chosen && modes.length !== chosen.length) {
  throw new Error(`--modes: choose from ${MODES.map((m) => m.replace(' ', '-')).join(', ')}`)
}

/** Milliseconds of the upload, and for `sdk counts`, of sending the same rows a second time. */
async function upload(db: TestDatabase, mode: Mode): Promise<number[]> {
  const server = await startServerProcess({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: { LOG_LEVEL: 'info' },
    nodeArgs: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  })
  try {
    const api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
    if (mode === 'sdk') {
      const start = performance.now()
      const { resources } = await api.resource.bulkUpdate(
        { resources: customers },
        { concurrency: CONCURRENCY },
      )
      if (resources.length !== ROWS) throw new Error(`sdk: ${resources.length} resources back`)
      return [performance.now() - start]
    }
    if (mode === 'sdk counts') {
      const times: number[] = []
      for (const expected of ['created', 'unchanged'] as const) {
        const start = performance.now()
        const counts = await api.resource.bulkUpdate(
          { resources: customers },
          { concurrency: CONCURRENCY, returnResources: false },
        )
        if (counts[expected] !== ROWS) throw new Error(`sdk counts: ${JSON.stringify(counts)}`)
        times.push(performance.now() - start)
      }
      return times
    }
    const start = performance.now()
    // As Indent's SDK does: the whole list in one POST.
    const res = await fetch(`${server.apiUrl}/spaces/default/resources:bulkUpdate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resources: customers }),
    })
    if (!res.ok) throw new Error(`one request: ${res.status} ${await res.text()}`)
    await res.arrayBuffer()
    return [performance.now() - start]
  } finally {
    await server.stop()
  }
}

const RUNS = Number(args.get('runs') ?? 3)
const rate = (ms: number) => (ROWS / ms) * 1000
const median = (values: readonly number[]) => percentile(values, 50)

/** One run's line: the raw upsert's and the server's rates (rows/s), the server's time, the ratio. */
const line = (engine: string, label: string, raw: number, ms: number) =>
  `${engine.padEnd(8)} ${label.padEnd(12)} raw driver upsert ${fmt(raw)} rows/s → server ` +
  `${fmt(rate(ms))} rows/s in ${(ms / 1000).toFixed(2)} s, ratio ${(rate(ms) / raw).toFixed(2)}`

console.log(
  `${fmt(ROWS)} rows; SDK chunks of ${fmt(DEFAULT_CHUNK_SIZE)} (the raw upsert's transactions too), ` +
    `${CONCURRENCY} in flight; ${RUNS} runs, each the raw upsert then every upload, each on a fresh database`,
)
for (const engine of ENGINES) {
  // Per line, each run's ratio: the raw upsert and the uploads of one run ran minutes apart at most.
  const ratios = new Map<string, number[]>()
  const record = (label: string, raw: number, ms: number) => {
    console.log(line(engine, label, raw, ms))
    ratios.set(label, [...(ratios.get(label) ?? []), rate(ms) / raw])
  }
  for (let run = 1; run <= RUNS; run++) {
    const rawDb = await createTestDatabase(engine)
    let raw: { first: number; again: number }
    try {
      raw = await rawUpsert(engine, rawDb, customers, DEFAULT_CHUNK_SIZE)
    } finally {
      await rawDb.drop()
    }
    for (const mode of modes) {
      const db = await createTestDatabase(engine)
      try {
        const [first, again] = await upload(db, mode)
        record(mode, rate(raw.first), first as number)
        if (again !== undefined) record('sdk again', rate(raw.again), again)
      } finally {
        await db.drop()
      }
    }
  }
  for (const [label, values] of ratios) {
    const ratio = median(values)
    console.log(
      `${engine.padEnd(8)} ${label.padEnd(12)} ratio ${ratio.toFixed(2)}, the median of ` +
        `${values.map((v) => v.toFixed(2)).join(', ')} (target ≥ 0.50) ${ratio >= 0.5 ? 'PASS' : 'MISSED'}`,
    )
  }
}
