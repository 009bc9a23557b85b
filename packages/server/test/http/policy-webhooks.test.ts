import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }

/** A grant decided by a policy provisions downstream exactly as one decided by a person. */
describe.each(ENGINES)('policy decisions and webhooks on %s', (engine) => {
  let s: TestServer
  const ok = async (res: Promise<Response>, status: number) => {
    const r = await res
    expect(r.status, await r.clone().text()).toBe(status)
    return r.json() as Promise<Record<string, unknown>>
  }
  const deliveries = async () =>
    ((await ok(s.call('GET', `${base}/webhooks/provision/deliveries`), 200)) as { deliveries: unknown[] })
      .deliveries
  beforeAll(async () => {
    s = await startTestServer(engine)
    await ok(
      s.call('PUT', `${base}/resources:bulkUpdate`, {
        body: {
          resources: [
            { kind: 'customer', id: 'cus_pro', labels: { plan: 'pro' } },
            { kind: 'customer', id: 'cus_ent', labels: { plan: 'enterprise' } },
          ],
        },
      }),
      200,
    )
    for (const [id, text] of [
      [
        'pro',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
      ],
      [
        'enterprise',
        'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" };',
      ],
    ]) {
      await ok(s.call('POST', `${base}/policies`, { body: { id, text } }), 201)
    }
    // Nobody listens there; the worker is not running in this suite, so deliveries stay queued.
    await ok(
      s.call('POST', `${base}/webhooks`, {
        body: {
          webhook: { name: 'provision', url: 'http://127.0.0.1:9/hook', handler: { type: 'applyUpdate' } },
        },
      }),
      201,
    )
  })
  afterAll(() => s.close())

  it('a permit queues the applyUpdate delivery in the same call; a forbid queues none', async () => {
    expect(await deliveries()).toHaveLength(0)
    const granted = await ok(
      s.call('POST', `${base}/approvals:check`, {
        body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'cus_pro' }] },
      }),
      200,
    )
    expect(granted.status).toBe('granted')
    expect(await deliveries()).toMatchObject([
      { channel: 'webhook', webhook: 'provision', status: 'pending' },
    ])
    const denied = await ok(
      s.call('POST', `${base}/approvals:check`, {
        body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'cus_ent' }] },
      }),
      200,
    )
    expect(denied.status).toBe('denied')
    expect(await deliveries()).toHaveLength(1)
  })
})
