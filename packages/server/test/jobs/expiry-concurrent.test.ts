import { LABELS } from '@openindent/contract'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { verifyChain } from '../../src/domain/audit/verify.js'
import { expireDue } from '../../src/domain/petitions/lifecycle/expire.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, auditEvents, spaceId } from '../http/support.js'

const S = '/v1/spaces/default'
const GRANTS = 120

/**
 * Two instances on one PostgreSQL database (two passes of one instance on SQLite) expire the same burst of grants at once, in small batches so that
 * their claims interleave: each grant is revoked exactly once, with one `access/revoke` event, every
 * petition ends expired, the chain verifies, and no check answers granted after the expiry.
 */
describe.each(ENGINES)('concurrent expiry on %s', (engine) => {
  let s: TestServer
  let second: Runtime
  const names: string[] = []
  const request = (i: number) => ({
    petitioners: [{ kind: 'user', email: `burst${i}@example.com` }],
    resources: [{ kind: 'customer', id: `cus_burst_${i}` }],
  })

  beforeAll(async () => {
    s = await startTestServer(engine)
    const config = loadConfig(
      { databaseUrl: s.db.databaseUrl, dataDir: s.db.dataDir, space: 'default' },
      { LOG_LEVEL: 'silent' },
    )
    // SQLite serves one instance (better-sqlite3 waits for a lock synchronously, so two runtimes in
    // one process would block each other): there, two concurrent passes of the same instance.
    second =
      engine === 'postgres'
        ? await openRuntime(config, { clock: s.clock, logger: pino({ level: 'silent' }) })
        : s.rt
    const admin = await adminToken(s)
    const expires = new Date(s.clock.now() + 60_000).toISOString()
    for (let i = 0; i < GRANTS; i++) {
      const opened = await s.call('POST', `${S}/approvals:check`, { body: request(i) })
      const { petition } = (await opened.json()) as { petition: { name: string } }
      const claim = {
        claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/expires': expires } } },
      }
      const res = await s.call('POST', `${S}/petitions/${petition.name}/claims`, {
        token: admin,
        body: claim,
      })
      expect(res.status).toBe(200)
      names.push(petition.name)
    }
  }, 120_000)
  afterAll(async () => {
    if (second !== s.rt) await second.close()
    await s.close()
  })

  it('revokes every grant once across two instances, one event each, and the chain verifies', async () => {
    const checkOne = async () =>
      (
        (await (await s.call('POST', `${S}/approvals:check`, { body: request(7) })).json()) as {
          status: string
        }
      ).status
    expect(await checkOne()).toBe('granted')
    s.clock.advance(60_000)
    // Before any pass has run: the check itself must not answer granted once the time is up.
    expect(await checkOne()).not.toBe('granted')

    const drain = async (rt: Runtime) => {
      let total = 0
      for (let n = await expireDue(rt, 7); n > 0; n = await expireDue(rt, 7)) total += n
      return total
    }
    const [a, b] = await Promise.all([drain(s.rt), drain(second)])
    expect(a + b).toBe(GRANTS)
    expect(await expireDue(s.rt, 100)).toBe(0)

    const events = await auditEvents(s)
    const revokes = events.filter((e) => e.event === 'access/revoke')
    expect(revokes).toHaveLength(GRANTS)
    const revokedPetitions = revokes.map((e) => e.meta?.labels?.[LABELS.petition])
    expect(new Set(revokedPetitions).size).toBe(GRANTS)
    for (const name of names) {
      const res = await s.call('GET', `${S}/petitions/${name}`)
      const body = (await res.json()) as { state: { status: { phase: string } } }
      expect(body.state.status.phase).toBe('closed')
      expect(JSON.stringify(body)).toContain('expired')
    }
    const verified = await verifyChain(s.rt.store, await spaceId(s, 'default'))
    expect(verified.ok).toBe(true)
    expect(await checkOne()).not.toBe('granted')
  }, 120_000)
})
