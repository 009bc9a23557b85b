import { writeFileSync } from 'node:fs'
import { sql } from 'kysely'
import { pino } from 'pino'
import { loadConfig } from '../packages/server/src/config.js'
import { bootstrap } from '../packages/server/src/domain/bootstrap.js'
import { createApp } from '../packages/server/src/http/app.js'
import { openRuntime } from '../packages/server/src/runtime.js'
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'

const N = Number(process.argv[2] ?? 1_000_000)
const existing = process.argv[3]
const db = existing ? { databaseUrl: existing, dataDir: '/tmp/x' } : await createTestDatabase('postgres')
writeFileSync('/tmp/prof-db-url', db.databaseUrl ?? '')
const rt = await openRuntime(
  loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' }),
  { logger: pino({ level: 'silent' }) },
)
const boot = existing ? undefined : await bootstrap(rt, { spaceName: 'default', adminEmail: 'a@example.com' })
const space = (await rt.store.spaces.byName('default'))!
if (!existing) {
  for (let s = 0; s < N; s += 1000) {
    const batch = []
    for (let i = s; i < s + 1000; i++) {
      const resources = [{ kind: 'customer', id: `cus_${i % 10000}`, displayName: `Customer ${i % 10000}` }]
      if (i % 3 === 0)
        resources.push({ kind: 'customer', id: `cus_${(i * 7 + 13) % 10000}`, displayName: '' })
      const user = `user${i % 200}@example.com`
      batch.push({
        event: 'app/view',
        actor: { kind: 'user', id: user, email: user },
        resources,
        reason: `bench event ${i}`,
        timestamp: Date.UTC(2025, 0, 1) + i * 1000,
        labels: { bench: 'x' },
      })
    }
    await rt.store.transaction((tx) => tx.audit.append(space.id, batch))
  }
  await sql`VACUUM ANALYZE`.execute(rt.store.db)
  writeFileSync('/tmp/prof-token', boot!.token)
}
const token = existing ? (await import('node:fs')).readFileSync('/tmp/prof-token', 'utf8') : boot!.token
const app = createApp(rt)
const stats = (label: string, t: number[]) => {
  t.sort((a, b) => a - b)
  console.log(
    label.padEnd(10),
    'p50',
    t[Math.floor(t.length / 2)]!.toFixed(2),
    'p99',
    t[Math.floor(t.length * 0.99)]!.toFixed(2),
    'max',
    t[t.length - 1]!.toFixed(2),
  )
}
for (const round of [1, 2]) {
  const a: number[] = [],
    b: number[] = [],
    c: number[] = []
  for (let i = 0; i < 1000; i++) {
    const id = `cus_${Math.floor(Math.random() * 10000)}`
    let s = performance.now()
    await sql`SELECT e.* FROM event_resources r JOIN events e ON e.space_id = r.space_id AND e.seq = r.seq WHERE r.space_id = ${space.id} AND r.kind = 'customer' AND r.id = ${id} ORDER BY r.seq DESC LIMIT 101`.execute(
      rt.store.db,
    )
    a.push(performance.now() - s)
    s = performance.now()
    await rt.store.audit.list(
      space.id,
      { resourceKind: 'customer', resourceId: id },
      { ascending: false, limit: 101 },
    )
    b.push(performance.now() - s)
    s = performance.now()
    const res = await app.request(`/v1/spaces/default/events?resourceKind=customer&resourceId=${id}`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await res.json()
    c.push(performance.now() - s)
  }
  stats(`r${round} sql`, a)
  stats(`r${round} store`, b)
  stats(`r${round} app`, c)
}
await rt.close()
