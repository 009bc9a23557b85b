import { IndentAPI } from '@openindent/api'
import { approval, getErrorKind } from '@openindent/approvals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { type Receiver, startReceiver } from '../packages/server/test/helpers/receiver.js'
import { type ServerProcess, startServerProcess } from './support/server-process.js'

const STAFF = 'oncall@example.com'

/** The kit's `approval()` over real HTTP to a server process, with a decision webhook deciding. */
describe.each(ENGINES)('approval() decided by a decision webhook on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let admin: IndentAPI
  let receiver: Receiver

  async function timedApproval(customerId: string): Promise<{ kind: string; ms: number }> {
    const started = performance.now()
    try {
      await approval(
        {
          petitioners: [{ kind: 'user', id: STAFF, email: STAFF }],
          resources: [{ kind: 'customer', id: customerId }],
        },
        { client: admin },
      )
      return { kind: 'granted', ms: performance.now() - started }
    } catch (err) {
      return { kind: getErrorKind(err) ?? 'error', ms: performance.now() - started }
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    receiver = await startReceiver()
    // The kit waits 10 s for a person: an answer well under that was decided by the webhook.
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_MAX_CHECK_WAIT: '30s' },
    })
    if (!server.token) throw new Error(`the server printed no bootstrap token:\n${server.output()}`)
    admin = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token })
    await admin.request({
      method: 'POST',
      path: '/spaces/default/webhooks',
      body: { webhook: { name: 'oncall', url: receiver.url, handler: { type: 'decision' } } },
    })
    receiver.respond = (call) => {
      const { events } = JSON.parse(call.body) as { events: { resources?: { id?: string }[] }[] }
      const target = events[0]?.resources?.[1]?.id ?? ''
      return target.startsWith('cus_ok')
        ? {
            status: 200,
            body: {
              claims: [
                { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '1h0m0s' } } },
              ],
            },
          }
        : { status: 200, body: { claims: [{ event: 'access/deny', reason: 'not on call' }] } }
    }
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await receiver.close()
    await db.drop()
  })

  it('answers granted, and denied, in the first call', async () => {
    const granted = await timedApproval('cus_ok_1')
    expect(granted.kind).toBe('granted')
    expect(granted.ms).toBeLessThan(5000)
    const denied = await timedApproval('cus_no_1')
    expect(denied.kind).toBe('denied')
    expect(denied.ms).toBeLessThan(5000)
    expect(receiver.calls).toHaveLength(2)
  })
})
