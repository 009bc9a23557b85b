import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../../src/config.js'
import type { OutboxMessage } from '../../src/domain/webhooks/ports.js'
import { createApp } from '../../src/http/app.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { AckBarrier } from '../../src/store/postgres/barrier.js'
import { OutboxRepo } from '../../src/store/repos/outbox.js'
import { WebhookRepo } from '../../src/store/repos/webhooks.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const PRO = Array.from({ length: 12 }, (_, i) => `pro${i}`)

type Call = (method: string, path: string, body?: unknown) => Promise<Response>

/**
 * Webhooks by handler are cached per instance (WebhookHandlerCache): a grant's applyUpdate deliveries
 * and a petition's decision webhooks are found without a read, and a webhook created, changed or
 * deleted through any instance counts from the moment its call returns.
 */
describe.each(ENGINES)('the webhook handler cache on %s', (engine) => {
  let s: TestServer
  /** A second instance on the same database, as another server (or process) beside the first. */
  let other: Runtime
  let otherCall: Call
  let next = 0
  beforeAll(async () => {
    s = await startTestServer(engine)
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: { resources: PRO.map((id) => ({ kind: 'customer', id, labels: { plan: 'pro' } })) },
    })
    expect(up.status).toBe(200)
    const policy = await s.call('POST', `${base}/policies`, {
      body: {
        id: 'pro',
        text: 'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
      },
    })
    expect(policy.status, await policy.clone().text()).toBe(201)
    const config = loadConfig(
      { databaseUrl: s.db.databaseUrl, dataDir: s.db.dataDir, space: 'default' },
      { LOG_LEVEL: 'silent', OPENINDENT_VALIDATE_RESPONSES: 'true' },
    )
    other = await openRuntime(config, { clock: s.clock, logger: pino({ level: 'silent' }) })
    const app = createApp(other)
    otherCall = (method, path, body) =>
      Promise.resolve(
        app.request(path, {
          method,
          headers: { authorization: `Bearer ${s.boot.token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      )
  })
  afterAll(async () => {
    await other.close()
    await s.close()
  })
  afterEach(() => vi.restoreAllMocks())

  const thisCall: Call = (method, path, body) => s.call(method, path, body === undefined ? {} : { body })

  /** A check on the first instance that a policy grants: the webhooks its deliveries went to, and the reads. */
  const grant = async () => {
    const enqueue = vi.spyOn(OutboxRepo.prototype, 'enqueue')
    const reads = vi.spyOn(
      WebhookRepo.prototype as unknown as { readByHandler: () => unknown },
      'readByHandler',
    )
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id: PRO[next++] }] },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('granted')
    const webhooks = enqueue.mock.calls.flatMap(([m]) =>
      (m as OutboxMessage).deliveries.map((d) => d.webhook),
    )
    const result = { webhooks, reads: reads.mock.calls.length }
    vi.restoreAllMocks()
    return result
  }

  const created = async (call: Call, name: string, kinds: string[] = []) => {
    const res = await call('POST', `${base}/webhooks`, {
      webhook: {
        name,
        url: 'http://127.0.0.1:9/hook',
        handler: { type: 'applyUpdate', resourceKinds: kinds },
      },
    })
    expect(res.status, await res.clone().text()).toBe(201)
  }

  it('reads the webhooks once, then answers from the cache until they change on this instance', async () => {
    // The first grant reads applyUpdate (in its transaction) and decision (none asked: it is decided).
    expect(await grant()).toEqual({ webhooks: [], reads: 1 })
    expect(await grant()).toEqual({ webhooks: [], reads: 0 })
    await created(thisCall, 'local')
    expect(await grant()).toEqual({ webhooks: ['local'], reads: 1 })
    expect(await grant()).toEqual({ webhooks: ['local'], reads: 0 })
    const patch = await s.call('PATCH', `${base}/webhooks/local`, {
      body: { webhook: { handler: { resourceKinds: ['invoice'] } } },
    })
    expect(patch.status, await patch.clone().text()).toBe(200)
    expect((await grant()).webhooks).toEqual([])
    expect((await s.call('DELETE', `${base}/webhooks/local`)).status).toBeLessThan(300)
    expect(await grant()).toEqual({ webhooks: [], reads: 1 })
  })

  it('counts a webhook created or deleted through another instance once that call returned', async () => {
    expect((await grant()).webhooks).toEqual([])
    // On PostgreSQL the change's commit waits for the other instances to have applied it.
    const barrier = vi.spyOn(AckBarrier.prototype, 'open')
    await created(otherCall, 'remote')
    expect(barrier).toHaveBeenCalledTimes(engine === 'postgres' ? 1 : 0)
    vi.restoreAllMocks()
    expect((await grant()).webhooks).toEqual(['remote'])
    expect((await otherCall('DELETE', `${base}/webhooks/remote`)).status).toBeLessThan(300)
    expect((await grant()).webhooks).toEqual([])
  })
})
