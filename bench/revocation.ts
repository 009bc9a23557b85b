/**
 * Revocation latency on PostgreSQL: how long `DELETE /v1/spaces/default/tokens/{id}` takes with one
 * server process and with two on one database (where the call waits for the other instance to
 * acknowledge), next to a token create in the same round (a write that waits for nobody) as the
 * control. Each round creates a token on A, uses it twice on B (so B caches it), revokes it on A and
 * uses it once more on B, counting any answer but 401. Prints the median and p99 of both calls.
 *
 *   npx tsx --conditions=source bench/revocation.ts [--rounds 200]
 */
import { createTestDatabase } from '../packages/server/test/helpers/databases.js'
import { type ServerProcess, startServerProcess } from '../test/support/server-process.js'
import { ms, parseArgs, percentile } from './lib/stats.js'

const ROUNDS = Number(parseArgs().get('rounds') ?? 200)
const WARMUP_ROUNDS = 10

async function call(server: ServerProcess, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.apiUrl}/spaces/default${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as { name?: string; accessToken?: string } }
}

async function measure(label: string, a: ServerProcess, b: ServerProcess, admin: string): Promise<void> {
  const revoke: number[] = []
  const create: number[] = []
  let accepted = 0
  for (let i = 0; i < WARMUP_ROUNDS + ROUNDS; i++) {
    const t0 = performance.now()
    const created = await call(a, admin, 'POST', '/tokens', { serviceAccount: 'bench' })
    const t1 = performance.now()
    const { name, accessToken } = created.body
    if (created.status !== 201 || !name || !accessToken) throw new Error(`create: ${created.status}`)
    for (let k = 0; k < 2; k++) await call(b, accessToken, 'GET', '/resources')
    const t2 = performance.now()
    const revoked = await call(a, admin, 'DELETE', `/tokens/${name}`)
    const t3 = performance.now()
    if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status}`)
    if ((await call(b, accessToken, 'GET', '/resources')).status !== 401) accepted++
    if (i < WARMUP_ROUNDS) continue
    create.push(t1 - t0)
    revoke.push(t3 - t2)
  }
  const line = (xs: number[]) => `median ${ms(percentile(xs, 50))}  p99 ${ms(percentile(xs, 99))}`
  console.log(
    `${label.padEnd(14)} revoke: ${line(revoke)}   [create, the control: ${line(create)}]   ` +
      `revoked token accepted on B afterwards: ${accepted}/${WARMUP_ROUNDS + ROUNDS}`,
  )
}

const db = await createTestDatabase('postgres')
const servers: ServerProcess[] = []
const start = async () => {
  const s = await startServerProcess({
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    env: { LOG_LEVEL: 'warn' },
  })
  servers.push(s)
  return s
}
try {
  console.log(
    `revocation latency on PostgreSQL: ${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up rounds) per case`,
  )
  const a = await start()
  const admin = a.token ?? ''
  await call(a, admin, 'POST', '/serviceAccounts', { name: 'bench', roles: ['viewer'] })
  await measure('one instance', a, a, admin)
  const b = await start()
  await measure('two instances', a, b, admin)
} finally {
  for (const s of servers) await s.stop()
  await db.drop()
}
