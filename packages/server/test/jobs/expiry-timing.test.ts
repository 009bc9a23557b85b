import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { type BootstrapResult, bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { type RunningServer, startServer } from '../../src/server.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

/**
 * A running server on the real clock: grants are revoked right at their expiry (the expiry job wakes
 * for the next one instead of on its next tick), and the check never answers granted after it.
 */
describe.each(ENGINES)('expiry on time on %s', (engine) => {
  let db: TestDatabase
  let rt: Runtime
  let server: RunningServer
  let boot: BootstrapResult
  const S = '/v1/spaces/default'

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir, port: 0 },
      { LOG_LEVEL: 'silent' },
    )
    rt = await openRuntime(config, { logger: pino({ level: 'silent' }) })
    const first = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    if (!first) throw new Error('no bootstrap')
    boot = first
    server = await startServer(rt)
  })
  afterAll(async () => {
    await server.close(0)
    await db.drop()
  })

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  it('revokes a grant within a few hundred ms of its expiry, and never answers granted after it', async () => {
    const user = await rt.store.principals.userByEmail(boot.adminEmail)
    if (!user) throw new Error('no admin')
    const admin = await rt.signer.sign({ email: user.email, userId: user.id }, 3600)
    const request = {
      petitioners: [{ kind: 'user', email: 'oncall@example.com' }],
      resources: [{ kind: 'customer', id: 'cus_expiring' }],
    }
    const check = async () =>
      (await (await call('POST', `${S}/approvals:check`, boot.token, request)).json()) as {
        status: string
        petition: { name: string }
        expireTime?: string
      }
    const { petition } = await check()
    const claim = {
      claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '2s' } } },
    }
    expect((await call('POST', `${S}/petitions/${petition.name}/claims`, admin, claim)).status).toBe(200)
    const granted = await check()
    expect(granted.status).toBe('granted')
    const expireAt = Date.parse(granted.expireTime ?? '')
    for (;;) {
      const sent = Date.now()
      const answer = await check()
      // Sent after the expiry: whatever the cache held, it must not say granted.
      if (sent >= expireAt) expect(answer.status).not.toBe('granted')
      const res = await call('GET', `${S}/petitions/${petition.name}`, boot.token)
      const phase = ((await res.json()) as { state: { status: { phase: string } } }).state.status.phase
      if (phase === 'closed') break
      expect(Date.now() - expireAt).toBeLessThan(600)
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(Date.now()).toBeGreaterThanOrEqual(expireAt)
  })
})
