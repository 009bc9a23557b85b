/**
 * Audit query speed: a space's log filled with N events about ~10,000 resources, queried through the
 * HTTP app (`app.request()`, no network), on SQLite and PostgreSQL. Prints the p50/p99 of 1,000
 * queries by resource at N events (target: p99 under 20 ms at 1,000,000), and for each list shape the
 * first page's median at 10,000 and at N events and their ratio (target ≤ 2).
 *
 *   npx tsx --conditions=source bench/audit-query.ts [--events 1000000] [--engines sqlite,postgres]
 */
import { sql } from 'kysely'
import { pino } from 'pino'
import { loadConfig } from '../packages/server/src/config.js'
import type { NewEvent } from '../packages/server/src/domain/audit/types.js'
import { bootstrap } from '../packages/server/src/domain/bootstrap.js'
import { createApp } from '../packages/server/src/http/app.js'
import { openRuntime, type Runtime } from '../packages/server/src/runtime.js'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]?.replace(/^--/, '') ?? '', process.argv[i + 1] ?? '')
const EVENTS = Number(args.get('events') ?? 1_000_000)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const SMALL = 10_000
const RESOURCES = 10_000
const ACTORS = 200
const BATCH = 1000
const QUERIES = 1000
const PAGE_SAMPLES = 200
const WARMUP = 50
const T0 = Date.UTC(2025, 0, 1)
const NAMES = ['app/view', 'app/export', 'app/login', 'app/settings']

/**
 * Event i: one customer (i mod 10,000), every third event a second one, and every 25th event the
 * customer `cus_hot`, which fills whole pages at any size; one second apart.
 */
function event(i: number): NewEvent {
  const resources = [
    { kind: 'customer', id: `cus_${i % RESOURCES}`, displayName: `Customer ${i % RESOURCES}` },
  ]
  if (i % 3 === 0)
    resources.push({ kind: 'customer', id: `cus_${(i * 7 + 13) % RESOURCES}`, displayName: '' })
  if (i % 25 === 0) resources.push({ kind: 'customer', id: 'cus_hot', displayName: 'Hot customer' })
  const user = `user${i % ACTORS}@example.com`
  return {
    event: NAMES[i % NAMES.length] as string,
    actor: { kind: 'user', id: user, email: user },
    resources,
    reason: `bench event ${i}`,
    timestamp: T0 + i * 1000,
    labels: { bench: 'audit-query' },
  }
}

/** Appends events `from`..`to - 1` through the store's own append, 1,000 per transaction. */
async function fill(rt: Runtime, spaceId: string, from: number, to: number): Promise<void> {
  const started = performance.now()
  for (let start = from; start < to; start += BATCH) {
    const batch: NewEvent[] = []
    for (let i = start; i < Math.min(to, start + BATCH); i++) batch.push(event(i))
    await rt.store.transaction((tx) => tx.audit.append(spaceId, batch))
    if ((start / BATCH) % 100 === 99)
      process.stderr.write(
        `  filled ${fmt(start + BATCH)} (${fmt(((start + BATCH - from) / (performance.now() - started)) * 1000)}/s)\n`,
      )
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => n.toFixed(2)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

async function timeQueries(
  app: ReturnType<typeof createApp>,
  token: string,
  paths: () => string,
  n: number,
  warmup = WARMUP,
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < n + warmup; i++) {
    const path = paths()
    const start = performance.now()
    const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } })
    const body = (await res.json()) as { events?: unknown[] }
    const elapsed = performance.now() - start
    if (res.status !== 200 || !body.events) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
    if (i >= warmup) times.push(elapsed) // the first ones warm caches and statements
  }
  return times.sort((a, b) => a - b)
}

/** The list shapes, each a first page (up to 100 events). */
function shapes(total: number): Record<string, () => string> {
  const base = '/v1/spaces/default/events'
  let r = 0
  return {
    'plain list': () => base,
    'plain list, oldest first': () => `${base}?ascending=true`,
    'by resource (full pages)': () => `${base}?resourceKind=customer&resourceId=cus_hot`,
    // Not like for like: ~1 event per customer at 10,000, ~130 (a full page) at 1,000,000.
    'by resource (any customer)': () =>
      `${base}?resourceKind=customer&resourceId=cus_${(r++ * 7919) % RESOURCES}`,
    'by resource kind': () => `${base}?resourceKind=customer`,
    'by actor': () => `${base}?actor=user${r++ % ACTORS}@example.com`,
    'by event name': () => `${base}?event=app/login`,
    'last hour': () => `${base}?startTime=${new Date(T0 + (total - 3600) * 1000).toISOString()}`,
  }
}

/** Kind alone reads every event of the kind (see queryEvents): a few samples are enough. */
const samples = (shape: string): [number, number] =>
  shape === 'by resource kind' ? [10, 3] : [PAGE_SAMPLES, WARMUP]

let rng = 42
const random = () => {
  rng = (rng * 1103515245 + 12345) % 2 ** 31
  return rng / 2 ** 31
}

for (const engine of ENGINES) {
  const db = await createTestDatabase(engine)
  const config = loadConfig(
    { databaseUrl: db.databaseUrl, dataDir: db.dataDir, space: 'default' },
    { LOG_LEVEL: 'silent' },
  )
  const rt = await openRuntime(config, { logger: pino({ level: 'silent' }) })
  try {
    const boot = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    if (!boot) throw new Error('bootstrap did nothing')
    const space = await rt.store.spaces.byName('default')
    if (!space) throw new Error('no default space')
    const app = createApp(rt)

    process.stderr.write(`${engine}: filling ${fmt(SMALL)} events\n`)
    await fill(rt, space.id, 0, SMALL)
    // A first pass warms V8, the statement caches and the page cache for every shape alike.
    for (const path of Object.values(shapes(SMALL))) await timeQueries(app, boot.token, path, 1, 20)
    const small: Record<string, number> = {}
    for (const [name, path] of Object.entries(shapes(SMALL))) {
      small[name] = percentile(await timeQueries(app, boot.token, path, ...samples(name)), 50)
    }

    process.stderr.write(`${engine}: filling to ${fmt(EVENTS)} events\n`)
    await fill(rt, space.id, SMALL, EVENTS)
    // What autovacuum does after a million inserts (statistics, visibility map), done here so that
    // it does not run during the timing.
    if (engine === 'postgres') await sql`VACUUM ANALYZE`.execute(rt.store.db)

    const byResource = await timeQueries(
      app,
      boot.token,
      () =>
        `/v1/spaces/default/events?resourceKind=customer&resourceId=cus_${Math.floor(random() * RESOURCES)}`,
      QUERIES,
    )
    console.log(
      `${engine.padEnd(8)} events=${fmt(EVENTS)}  by resource (${fmt(QUERIES)} queries): ` +
        `p50 ${ms(percentile(byResource, 50))} ms  p99 ${ms(percentile(byResource, 99))} ms (target p99 < 20 ms)`,
    )
    for (const [name, path] of Object.entries(shapes(EVENTS))) {
      const large = percentile(await timeQueries(app, boot.token, path, ...samples(name)), 50)
      const before = small[name] ?? Number.NaN
      console.log(
        `${engine.padEnd(8)} first page, ${name.padEnd(26)} median ${ms(before)} ms at ${fmt(SMALL)}, ` +
          `${ms(large)} ms at ${fmt(EVENTS)}: ratio ${(large / before).toFixed(2)} (target ≤ 2)`,
      )
    }
  } finally {
    await rt.close()
    await db.drop()
  }
}
