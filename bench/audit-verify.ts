/**
 * Verify at scale: a space's log filled with N events of petition histories (request, approve, grant,
 * every other one a revoke, and an app event between), with the grants rows those events describe,
 * then `verifyChain` and `verifyGrants` timed, with the heap's high-water mark while they run (it must
 * not grow with N: both read in batches).
 *
 *   npx tsx --conditions=source bench/audit-verify.ts [--events 1000000] [--engines sqlite,postgres]
 */
import { sql } from 'kysely'
import { EVENT_NAMES } from '../packages/contract/src/index.js'
import { loadConfig } from '../packages/server/src/config.js'
import type { NewEvent } from '../packages/server/src/domain/audit/types.js'
import { verifyChain } from '../packages/server/src/domain/audit/verify.js'
import { verifyGrants } from '../packages/server/src/domain/audit/verify-grants.js'
import { bootstrap } from '../packages/server/src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../packages/server/src/runtime.js'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { fmt, parseArgs } from './lib/stats.js'

const args = parseArgs()
const EVENTS = Number(args.get('events') ?? 1_000_000)
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const T0 = Date.UTC(2025, 0, 1)
const HOUR = 3_600_000
const PER_PETITION = 5

const reviewer = { kind: 'user', id: 'rev@example.com', email: 'rev@example.com' }

/** Petition n's events and its grant row: five events, the last a revoke for odd n. */
function petition(n: number): {
  events: NewEvent[]
  grant: Record<string, unknown>
  row: Record<string, unknown>
} {
  const name = `pet-${String(n).padStart(8, '0')}`
  const who = { kind: 'user', id: `u${n % 500}@example.com`, email: `u${n % 500}@example.com` }
  const what = { kind: 'customer', id: `cus_${n % 10_000}` }
  const t = T0 + n * 1000
  const common = { actor: reviewer, resources: [who, what], petition: name }
  const expires = new Date(t + HOUR).toISOString()
  const events: NewEvent[] = [
    { ...common, event: EVENT_NAMES.accessRequest, actor: who, timestamp: t },
    { ...common, event: EVENT_NAMES.accessApprove, timestamp: t },
    {
      ...common,
      event: EVENT_NAMES.accessGrant,
      timestamp: t,
      labels: { 'indent.com/time/expires': expires },
    },
    { event: 'app/view', actor: who, resources: [what], timestamp: t },
  ]
  const revoked = n % 2 === 1
  events.push(
    revoked
      ? { ...common, event: EVENT_NAMES.accessRevoke, timestamp: t + 1, reason: 'done' }
      : { event: 'app/view', actor: who, resources: [what], timestamp: t + 1 },
  )
  const key = (r: { kind: string; id: string }) => `${r.kind}/${r.id}`
  return {
    events,
    row: {
      name,
      request_key: name,
      phase: revoked ? 'revoked' : 'granted',
      petitioners: JSON.stringify([who]),
      resources: JSON.stringify([what]),
      labels: '{}',
      create_time: t,
      update_time: t,
    },
    grant: {
      id: `grt_${n}`,
      petition: name,
      petitioner_key: key(who),
      resource_key: key(what),
      petitioner: JSON.stringify(who),
      resource: JSON.stringify(what),
      start_time: t,
      expire_time: t + HOUR,
      revoke_time: revoked ? t + 1 : null,
      revoke_reason: revoked ? 'done' : null,
    },
  }
}

async function fill(rt: Runtime, spaceId: string): Promise<void> {
  const started = performance.now()
  const petitions = Math.ceil(EVENTS / PER_PETITION)
  for (let from = 0; from < petitions; from += 200) {
    const batch = Array.from({ length: Math.min(200, petitions - from) }, (_, i) => petition(from + i))
    await rt.store.transaction(async (tx) => {
      await tx.audit.append(
        spaceId,
        batch.flatMap((p) => p.events),
      )
    })
    const db = rt.store.db
    await db
      .insertInto('petitions')
      .values(batch.map((p) => ({ space_id: spaceId, ...p.row }) as never))
      .execute()
    await db
      .insertInto('grants')
      .values(batch.map((p) => ({ space_id: spaceId, ...p.grant }) as never))
      .execute()
    if ((from / 200) % 100 === 99)
      process.stderr.write(
        `  ${fmt((from + 200) * PER_PETITION)} events (${fmt(((from + 200) * PER_PETITION) / ((performance.now() - started) / 1000))}/s)\n`,
      )
  }
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`

/** Runs `fn`, sampling the heap every 50 ms; returns its result, the seconds and the heap's peak. */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; peak: number }> {
  globalThis.gc?.()
  let peak = process.memoryUsage().heapUsed
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 50)
  const started = performance.now()
  try {
    const value = await fn()
    return { value, seconds: (performance.now() - started) / 1000, peak }
  } finally {
    clearInterval(timer)
  }
}

for (const engine of ENGINES) {
  const db = await createTestDatabase(engine)
  const rt = await openRuntime(
    loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' }),
  )
  try {
    await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    const space = await rt.store.spaces.byName('default')
    if (!space) throw new Error('no space')
    process.stderr.write(`${engine}: filling ${fmt(EVENTS)} events\n`)
    await fill(rt, space.id)
    // A live PostgreSQL has statistics (autovacuum); a table filled a second ago does not yet.
    if (engine === 'postgres') await sql`ANALYZE`.execute(rt.store.db)
    const chain = await measured(() => verifyChain(rt.store, space.id))
    const grants = await measured(() => verifyGrants(rt.store, space.id))
    const ok = (r: { ok: boolean }) => (r.ok ? 'ok' : `FAILED ${JSON.stringify(r)}`)
    console.log(
      `${engine}: verifyChain ${ok(chain.value)} ${fmt((chain.value as { events: number }).events)} events in ${chain.seconds.toFixed(1)} s (heap peak ${mb(chain.peak)}); ` +
        `verifyGrants ${ok(grants.value)} ${fmt((grants.value as { petitions?: number }).petitions ?? 0)} petitions in ${grants.seconds.toFixed(1)} s (heap peak ${mb(grants.peak)})`,
    )
  } finally {
    await rt.close()
    await db.drop()
  }
}
