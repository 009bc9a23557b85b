/**
 * Cedar policies at petition creation. Per engine, in one process (no network, so the figures are the
 * server's own work): a space with a 200-policy set (100 permits, 90 forbids, 10 shadow) and 10,000
 * uploaded customers, plus 200 requesters with groups.
 *
 * 1. Evaluation per petition: the space's policies asked about one requester × one customer, as
 *    petition creation asks them (stored labels, member roles, open petitions, grants, then Cedar on
 *    the set prepared once for its version), one per event-loop turn as a server's requests come.
 *    p99 over `--samples` random pairs; target < 1 ms. Cedar
 *    alone (the requests already gathered, on a twin of the set that has seen the same requests, so
 *    its remembered answers are those the evaluation had), the facts' read alone, a bare round trip to
 *    the database (`SELECT 1`, the floor of any read on PostgreSQL), how many bucket
 *    answers came from memory, and the p99 of the quietest of five rounds (a shared machine only ever
 *    adds time) are printed too. The targets' stored labels are those the approval rules were chosen
 *    by (`policyFor`, read before as at petition creation).
 * 2. `approvals:check` through the HTTP app (`app.request`), each call opening a new petition: one a
 *    policy approves (granted in the same call) against one that waits for a person. Median latency
 *    ratio; target ≤ 1.2×. Calls alternate between the two, so both see the same machine.
 *
 *   npm run bench:policy [-- --engines sqlite,postgres --samples 3000 --petitions 300]
 */
import { loadavg } from 'node:os'
import { sql } from 'kysely'
import { pino } from 'pino'
import { loadConfig } from '../packages/server/src/config.js'
import { bootstrap } from '../packages/server/src/domain/bootstrap.js'
import { evaluateForPetition } from '../packages/server/src/domain/petitions/lifecycle/policy.js'
import { decideRequests } from '../packages/server/src/domain/policies/decide.js'
import {
  answerCounts,
  buildSet,
  loadAll,
  preparedSet,
} from '../packages/server/src/domain/policies/engine.js'
import { gatherRequests, requesterOf } from '../packages/server/src/domain/policies/gather.js'
import { policyFor } from '../packages/server/src/domain/rules/policy.js'
import { createApp } from '../packages/server/src/http/app.js'
import { openRuntime } from '../packages/server/src/runtime.js'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { fmt, parseArgs, percentile } from './lib/stats.js'

const args = parseArgs()
const ENGINES = (args.get('engines') ?? 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[]
const SAMPLES = Number(args.get('samples') ?? 3000)
/** Evaluations before measuring, so the JIT and the engine's caches have settled. */
const WARM_UP = 500
/** The measured evaluations in this many rounds: on a shared machine, the quietest shows our own cost. */
const ROUNDS = 5
const PETITIONS = Number(args.get('petitions') ?? 300)
const RESOURCES = 10_000
const GROUPS = 50
const USERS = 200
const PLANS = ['free', 'team', 'pro', 'enterprise']
const REGIONS = ['eu', 'us', 'ap', 'sa']

/** 200 policies: permits by group and tier, forbids by region and hour, and a few shadow ones. */
function policySet(): { id: string; text: string; mode: 'enforce' | 'shadow' }[] {
  const out: { id: string; text: string; mode: 'enforce' | 'shadow' }[] = []
  for (let i = 0; i < 100; i++) {
    out.push({
      id: `permit-${i}`,
      mode: 'enforce',
      text: `@duration("1h") permit(principal in Group::"g${i % GROUPS}", action, resource) when { resource.hasTag("tier") && resource.getTag("tier") == "t${i}" && context.durationSeconds <= 14400 };`,
    })
  }
  for (let i = 0; i < 90; i++) {
    out.push({
      id: `forbid-${i}`,
      mode: 'enforce',
      text: `forbid(principal, action, resource) when { resource.hasTag("region") && resource.getTag("region") == "${REGIONS[i % REGIONS.length]}" && resource.hasTag("blocked") && resource.getTag("blocked") == "b${i}" } unless { principal.role == "editor" };`,
    })
  }
  for (let i = 0; i < 10; i++) {
    out.push({
      id: `shadow-${i}`,
      mode: 'shadow',
      text: `permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "${PLANS[i % PLANS.length]}" && context.hour >= ${i} };`,
    })
  }
  return out
}

function customers() {
  return Array.from({ length: RESOURCES }, (_, i) => ({
    kind: 'customer',
    id: `cus_${i}`,
    labels: {
      plan: PLANS[i % PLANS.length] as string,
      region: REGIONS[i % REGIONS.length] as string,
      tier: `t${i % 120}`,
      ...(i % 7 === 0 ? { blocked: `b${i % 90}` } : {}),
    },
  }))
}

const users = () =>
  Array.from({ length: USERS }, (_, i) => ({
    kind: 'user',
    id: `user${i}@example.com`,
    email: `user${i}@example.com`,
    labels: { groups: `g${i % GROUPS},g${(i * 7) % GROUPS}` },
  }))

const person = (i: number) => ({ kind: 'user', id: `user${i}@example.com`, email: `user${i}@example.com` })
/** A detail line: the p99 and median of some samples, in ms. */
const spread = (label: string, ms: number[]) =>
  console.log(
    `  ${`  ${label}: p99 wall, median`.padEnd(46)} ${`${percentile(ms, 99).toFixed(3)} ms`.padStart(12)}, ${percentile(ms, 50).toFixed(3)} ms`,
  )
const line = (label: string, value: string, target: string, pass: boolean) =>
  console.log(
    `  ${label.padEnd(46)} ${value.padStart(12)}   target ${target.padEnd(8)} ${pass ? 'PASS' : 'MISSED'}`,
  )

console.log(
  `policy bench: ${policySet().length} policies, ${fmt(RESOURCES)} customers, ${USERS} requesters; ` +
    `${fmt(SAMPLES)} evaluations, ${PETITIONS} petitions of each kind (machine: ${process.env.BENCH_NOTE ?? 'shared'})`,
)
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
    const app = createApp(rt)
    const call = async (method: string, path: string, body: unknown) => {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${boot.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      const text = await res.text()
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`)
      return JSON.parse(text) as { status?: string }
    }
    const all = [...customers(), ...users()]
    for (let i = 0; i < all.length; i += 1000) {
      await call('PUT', '/v1/spaces/default/resources:bulkUpdate', { resources: all.slice(i, i + 1000) })
    }
    for (const p of policySet()) await call('POST', '/v1/spaces/default/policies', p)
    // The petition-creation case: a policy that permits every `bench` customer to one group.
    await call('POST', '/v1/spaces/default/policies', {
      id: 'bench-fast',
      text: 'permit(principal in Group::"g1", action, resource) when { resource.hasTag("bench") && resource.getTag("bench") == "fast" };',
    })

    // A database in service has statistics and a visibility map; one just filled has neither until
    // autovacuum gets to it, in the middle of the measurement. Brought there now, as it will be.
    if (engine === 'postgres') await sql`vacuum analyze`.execute(rt.store.db)

    // 1. Evaluation per petition.
    const space = await rt.store.spaces.byName('default')
    if (!space) throw new Error('no space')
    // mulberry32 with a fixed seed: every run asks about the same pairs.
    let seed = 42
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n)
    }
    const full: number[] = []
    const fullCpu: number[] = []
    const cedarOnly: number[] = []
    const readOnly: number[] = []
    const trip: number[] = []
    const decisions = { permit: 0, forbid: 0, none: 0 }
    const main = await preparedSet(rt.store, space.id)
    // Its own engine entries and memory: timing it must not warm the evaluation's (nor the reverse).
    const twin = buildSet(
      `${space.id}-twin`,
      main.version,
      main.timeZone,
      await rt.store.policies.all(space.id),
    )
    loadAll(twin)
    let counted = answerCounts()
    for (let i = 0; i < SAMPLES + WARM_UP; i++) {
      if (i === WARM_UP) counted = answerCounts()
      // One event-loop turn per petition, as each request of a server starts in a turn of its own (on
      // SQLite the reads resolve without one, so a loop of awaits alone would never give one).
      await new Promise((resolve) => setImmediate(resolve))
      const p = {
        petitioners: [person(rand(USERS))],
        resources: [{ kind: 'customer', id: `cus_${rand(RESOURCES)}` }],
      }
      const rules = await policyFor(rt.store, space.id, p.resources)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const outcome = await evaluateForPetition(rt.store, space.id, p, rules, Date.now())
      const t1 = performance.now()
      const cpu = process.cpuUsage(cpu0)
      const set = twin
      const at = Date.now()
      const r0 = performance.now()
      const inputs = await rt.store.policies.inputs(space.id, p.petitioners.map(requesterOf), at)
      const r1 = performance.now()
      await rt.store.ping()
      const r2 = performance.now()
      const requests = gatherRequests(
        set,
        { ...p, durationMs: rules.defaultMs, at },
        inputs.facts ?? [],
        rules.targetLabels,
      )
      const t2 = performance.now()
      decideRequests(set, requests)
      const t3 = performance.now()
      if (i < WARM_UP) continue
      full.push(t1 - t0)
      fullCpu.push((cpu.user + cpu.system) / 1000)
      cedarOnly.push(t3 - t2)
      readOnly.push(r1 - r0)
      trip.push(r2 - r1)
      if (outcome) decisions[outcome.enforced.decision]++
    }
    // Both the evaluation and its twin count here: each asked the same buckets, so halve the totals.
    const after = answerCounts()
    const asked = (after.evaluated - counted.evaluated + after.remembered - counted.remembered) / 2
    const remembered = (after.remembered - counted.remembered) / 2
    const p99 = percentile(full, 99)
    console.log(
      `${engine}: decisions permit ${decisions.permit}, forbid ${decisions.forbid}, none ${decisions.none}`,
    )
    line('evaluation per petition, p99 wall', `${p99.toFixed(3)} ms`, '< 1 ms', p99 < 1)
    // Other processes only ever add time: the round they disturbed least is the nearest to a quiet machine.
    const per = Math.floor(full.length / ROUNDS)
    const rounds = Array.from({ length: ROUNDS }, (_, r) =>
      percentile(full.slice(r * per, (r + 1) * per), 99),
    )
    console.log(
      `  ${`  p99 wall of the quietest of ${ROUNDS} rounds`.padEnd(46)} ${`${Math.min(...rounds).toFixed(3)} ms`.padStart(12)}   (rounds: ${rounds.map((r) => r.toFixed(2)).join(', ')}; load ${loadavg()[0]?.toFixed(2)})`,
    )
    const cpu99 = percentile(fullCpu, 99)
    // Not a per-petition figure (it counts the JIT's and the collector's threads too), so no verdict.
    console.log(
      `  ${'  p99 CPU, all threads of the process'.padEnd(46)} ${`${cpu99.toFixed(3)} ms`.padStart(12)}`,
    )
    spread('Cedar alone', cedarOnly)
    spread('requester facts read alone', readOnly)
    spread('a bare round trip (SELECT 1)', trip)
    console.log(
      `  ${'  bucket answers per evaluation, from memory'.padEnd(46)} ${(asked / SAMPLES).toFixed(2).padStart(12)}, ${((100 * remembered) / Math.max(1, asked)).toFixed(1)} %`,
    )
    console.log(
      `  ${'  median wall (reads + Cedar)'.padEnd(46)} ${`${percentile(full, 50).toFixed(3)} ms`.padStart(12)}`,
    )

    // 2. approvals:check opening a petition that a policy approves vs one that waits.
    const fresh = Array.from({ length: PETITIONS * 2 + 40 }, (_, i) => ({
      kind: 'customer',
      id: `new_${i}`,
      labels: i % 2 === 0 ? { bench: 'fast' } : { bench: 'slow' },
    }))
    await call('PUT', '/v1/spaces/default/resources:bulkUpdate', { resources: fresh })
    const approved: number[] = []
    const waiting: number[] = []
    for (let i = 0; i < fresh.length; i++) {
      const t0 = performance.now()
      const answer = await call('POST', '/v1/spaces/default/approvals:check', {
        petitioners: [person(1)],
        resources: [{ kind: 'customer', id: `new_${i}` }],
      })
      const ms = performance.now() - t0
      const expected = i % 2 === 0 ? 'granted' : 'waiting'
      if (answer.status !== expected) throw new Error(`new_${i}: expected ${expected}, got ${answer.status}`)
      if (i < 40) continue // warm-up
      ;(i % 2 === 0 ? approved : waiting).push(ms)
    }
    const ratio = percentile(approved, 50) / percentile(waiting, 50)
    console.log(
      `  approvals:check median: approved by policy ${percentile(approved, 50).toFixed(2)} ms, waiting ${percentile(waiting, 50).toFixed(2)} ms`,
    )
    line('approvals:check, approved / waiting (median)', `${ratio.toFixed(2)}×`, '≤ 1.2×', ratio <= 1.2)
  } finally {
    await rt.close()
    await db.drop()
  }
}
