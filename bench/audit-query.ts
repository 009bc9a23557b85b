/**
 * Audit query speed at two log sizes, on SQLite and PostgreSQL, through the HTTP app (`app.request()`,
 * no network). One database holds two spaces: `small` with 10,000 events and `default` with N
 * (1,000,000 by default), filled with the same generator; the queries of the two sizes are sent
 * alternately, so both see the same load from the rest of the machine and their ratio holds on a busy
 * one. Prints, each with its target and PASS or MISSED:
 *
 * - by resource, a random customer: p99 of 1,000 queries at N events (target < 20 ms);
 * - by actor, the first page for a busy actor (a full page at both sizes): p99 at N over p99 at 10,000
 *   (target ≤ 1.5);
 * - every list shape's first page: median at N over median at 10,000 (target ≤ 2).
 *
 * Events are written set-wise (bench/lib/seed-events.ts): the rows `append` writes, with a valid
 * hash chain, 5,000 per statement; 1,010,000 take about 2.5 minutes per engine here.
 *
 *   npx tsx --conditions=source bench/audit-query.ts [--events 1000000] [--engines sqlite,postgres]
 *     [--queries 1000] [--shapes true]
 */
import { loadavg } from 'node:os'
import { sql } from 'kysely'
import { pino } from 'pino'
import { loadConfig } from '../packages/server/src/config.js'
import type { NewEvent } from '../packages/server/src/domain/audit/types.js'
import { actorOf } from '../packages/server/src/domain/auth/principal.js'
import { bootstrap } from '../packages/server/src/domain/bootstrap.js'
import { createSpaceIn } from '../packages/server/src/domain/spaces/spaces.js'
import { createServiceAccountIn } from '../packages/server/src/domain/tokens/service-accounts.js'
import { createTokenIn } from '../packages/server/src/domain/tokens/tokens.js'
import { createApp } from '../packages/server/src/http/app.js'
import { openRuntime, type Runtime } from '../packages/server/src/runtime.js'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { seedEvents } from './lib/seed-events.js'
import { fmt, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const EVENTS = Number(args.get('events') ?? 1_000_000)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const QUERIES = Number(args.get('queries') ?? 1000)
const SHAPES = args.get('shapes') !== 'false'
const SMALL = 10_000
const RESOURCES = 10_000
const BUSY_ACTORS = 10
const OTHER_ACTORS = 1000
const PAGE_SAMPLES = 200
const WARMUP = 50
const T0 = Date.UTC(2025, 0, 1)
const NAMES = ['app/view', 'app/export', 'app/login', 'app/settings']

/**
 * Event i, one second after event i - 1. Half the events come from 10 busy actors (operators and
 * automations: 500 events each at 10,000, a full first page at any size), the others from 1,000 people
 * (5 events each at 10,000). One customer (i mod 10,000), every third event a second one, and every
 * 25th event the customer `cus_hot`, which fills whole pages at any size.
 */
function event(i: number): NewEvent {
  const resources = [
    { kind: 'customer', id: `cus_${i % RESOURCES}`, displayName: `Customer ${i % RESOURCES}` },
  ]
  if (i % 3 === 0)
    resources.push({ kind: 'customer', id: `cus_${(i * 7 + 13) % RESOURCES}`, displayName: '' })
  if (i % 25 === 0) resources.push({ kind: 'customer', id: 'cus_hot', displayName: 'Hot customer' })
  const user = actorName(i)
  return {
    event: NAMES[i % NAMES.length] as string,
    actor: { kind: 'user', id: user, email: user },
    resources,
    reason: `bench event ${i}`,
    timestamp: T0 + i * 1000,
    labels: { bench: 'audit-query' },
  }
}

const actorName = (i: number) =>
  i % 2 === 0 ? `ops${(i / 2) % BUSY_ACTORS}@example.com` : `user${((i - 1) / 2) % OTHER_ACTORS}@example.com`

const ms = (n: number) => n.toFixed(2)
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISSED')
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`

type App = ReturnType<typeof createApp>
interface Target {
  app: App
  token: string
  space: string
}

async function get(t: Target, query: string): Promise<number> {
  const path = `/v1/spaces/${t.space}/events${query}`
  const start = performance.now()
  const res = await t.app.request(path, { headers: { authorization: `Bearer ${t.token}` } })
  const body = (await res.json()) as { events?: unknown[] }
  const elapsed = performance.now() - start
  if (res.status !== 200 || !body.events) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`)
  return elapsed
}

/** Times `n` queries on each side, alternating, after `warmup` unrecorded ones each. */
async function timePair(
  small: Target,
  large: Target,
  query: (size: number) => string,
  n: number,
  warmup = WARMUP,
): Promise<[number[], number[]]> {
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < n + warmup; i++) {
    const ta = await get(small, query(SMALL))
    const tb = await get(large, query(EVENTS))
    if (i < warmup) continue // the first ones warm caches and statements
    a.push(ta)
    b.push(tb)
  }
  return [a, b]
}

let rng = 42
const random = () => {
  rng = (rng * 1103515245 + 12345) % 2 ** 31
  return rng / 2 ** 31
}
const pick = (n: number) => Math.floor(random() * n)

/** The list shapes, each a first page (up to 100 events), for a log of `size` events. */
const SHAPE_QUERIES: Record<string, (size: number) => string> = {
  'plain list': () => '',
  'plain list, oldest first': () => '?ascending=true',
  'by resource (full pages)': () => '?resourceKind=customer&resourceId=cus_hot',
  'by resource kind': () => '?resourceKind=customer',
  'by busy actor': () => `?actor=ops${pick(BUSY_ACTORS)}@example.com`,
  'by event name': () => '?event=app/login',
  'last hour': (size) => `?startTime=${new Date(T0 + (size - 3600) * 1000).toISOString()}`,
}

/** Kind alone may read every event of the kind (see queryEvents): a few samples are enough. */
const samples = (shape: string): [number, number] =>
  shape === 'by resource kind' ? [10, 3] : [PAGE_SAMPLES, WARMUP]

async function smallSpace(rt: Runtime): Promise<{ id: string; token: string }> {
  const actor = actorOf({ type: 'system', name: 'bench' })
  const now = Date.now()
  return rt.store.transaction(async (tx) => {
    const space = await createSpaceIn(tx, actor, { name: 'small' }, now)
    const sa = await createServiceAccountIn(tx, { space, actor }, { name: 'bench', roles: ['editor'] }, now)
    const { secret } = await createTokenIn(tx, { space, actor }, sa, {}, now, rt.signer)
    return { id: space.id, token: secret }
  })
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
    const smallOne = await smallSpace(rt)
    const app = createApp(rt)
    const large: Target = { app, token: boot.token, space: 'default' }
    const small: Target = { app, token: smallOne.token, space: 'small' }

    const seeding = performance.now()
    await seedEvents(rt, smallOne.id, 0, SMALL, event)
    await seedEvents(rt, space.id, 0, EVENTS, event, (done, rate) =>
      process.stderr.write(`  ${engine}: ${fmt(done)} events (${fmt(rate)}/s)\n`),
    )
    // What autovacuum does after a million inserts (statistics, visibility map), done here so that
    // it does not run during the timing. SQLite gets no ANALYZE: the server never runs one.
    if (engine === 'postgres') await sql`VACUUM ANALYZE`.execute(rt.store.db)
    const seeded = (performance.now() - seeding) / 1000
    console.log(
      `${engine.padEnd(8)} seeded ${fmt(SMALL)} + ${fmt(EVENTS)} events in ${seeded.toFixed(0)} s; ${load()}`,
    )

    const [rs, rl] = await timePair(
      small,
      large,
      () => `?resourceKind=customer&resourceId=cus_${pick(RESOURCES)}`,
      QUERIES,
    )
    const p99 = percentile(rl, 99)
    console.log(
      `${engine.padEnd(8)} by resource, random customer, ${fmt(QUERIES)} queries: p50 ${ms(percentile(rl, 50))} ms, ` +
        `p99 ${ms(p99)} ms at ${fmt(EVENTS)} (p99 ${ms(percentile(rs, 99))} ms at ${fmt(SMALL)}); ` +
        `target p99 < 20 ms: ${verdict(p99 < 20)}`,
    )

    const [as, al] = await timePair(small, large, () => `?actor=ops${pick(BUSY_ACTORS)}@example.com`, QUERIES)
    const ratio = percentile(al, 99) / percentile(as, 99)
    console.log(
      `${engine.padEnd(8)} by actor, first page (full at both sizes), ${fmt(QUERIES)} queries: ` +
        `p99 ${ms(percentile(as, 99))} ms at ${fmt(SMALL)}, ${ms(percentile(al, 99))} ms at ${fmt(EVENTS)} ` +
        `(p50 ${ms(percentile(as, 50))} / ${ms(percentile(al, 50))}): ratio ${ratio.toFixed(2)}; ` +
        `target ≤ 1.5: ${verdict(ratio <= 1.5)}`,
    )
    // Not like for like, so no target: 5 events on the first page at 10,000, a full page at N.
    const [os, ol] = await timePair(small, large, () => `?actor=user${pick(OTHER_ACTORS)}@example.com`, 200)
    console.log(
      `${engine.padEnd(8)} by actor, first page (5 events at ${fmt(SMALL)}, 100 at ${fmt(EVENTS)}): ` +
        `p99 ${ms(percentile(os, 99))} / ${ms(percentile(ol, 99))} ms (p50 ${ms(percentile(os, 50))} / ` +
        `${ms(percentile(ol, 50))}); no target`,
    )

    if (SHAPES) {
      for (const [name, query] of Object.entries(SHAPE_QUERIES)) {
        const [s, l] = await timePair(small, large, query, ...samples(name))
        const r = percentile(l, 50) / percentile(s, 50)
        console.log(
          `${engine.padEnd(8)} first page, ${name.padEnd(26)} median ${ms(percentile(s, 50))} ms at ${fmt(SMALL)}, ` +
            `${ms(percentile(l, 50))} ms at ${fmt(EVENTS)}: ratio ${r.toFixed(2)}; target ≤ 2: ${verdict(r <= 2)}`,
        )
      }
    }
    console.log(`${engine.padEnd(8)} done; ${load()}`)
  } finally {
    await rt.close()
    await db.drop()
  }
}
