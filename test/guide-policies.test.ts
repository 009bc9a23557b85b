import { IndentAPI } from '@openindent/api'
import { approval, getErrorKind } from '@openindent/approvals'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { runGuideScript } from './support/guide.js'
import { type ServerProcess, startServerProcess } from './support/server-process.js'

const STAFF = 'oncall@example.com'

describe.each(ENGINES)("the guide's step 4 under Cedar policies on %s", (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let admin: IndentAPI

  const requestAccess = (customerId: string) =>
    JSON.parse(runGuideScript(server, 'run-request-access.js', STAFF, customerId)) as {
      ok: boolean
      status?: string
    }

  /** The kit's call, timed: with the default 10 s wait, an answer well under it was not held for a person. */
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
    // Holds as long as the kit asks (10 s), so an answer that waited for a person would show in the timing.
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_MAX_CHECK_WAIT: '30s' },
    })
    if (!server.token) throw new Error(`the server printed no bootstrap token:\n${server.output()}`)
    admin = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token })
    await admin.resource.bulkUpdate({
      resources: [
        { kind: 'customer', id: 'cus_pro', labels: { plan: 'pro' } },
        { kind: 'customer', id: 'cus_pro2', labels: { plan: 'pro' } },
        { kind: 'customer', id: 'cus_ent', labels: { plan: 'enterprise' } },
        { kind: 'customer', id: 'cus_ent2', labels: { plan: 'enterprise' } },
        { kind: 'user', id: STAFF, email: STAFF, labels: { groups: 'oncall' } },
      ],
    })
    for (const [id, text] of [
      [
        'oncall-pro',
        '@duration("1h") permit(principal in Group::"oncall", action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
      ],
      [
        'enterprise-support-only',
        'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" } unless { principal in Group::"support" };',
      ],
    ]) {
      await admin.request({ method: 'POST', path: '/spaces/default/policies', body: { id, text } })
    }
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  it('answers ok at once under a permit, and denied at once under a forbid', async () => {
    expect(requestAccess('cus_pro')).toEqual({ ok: true })
    expect(requestAccess('cus_ent')).toEqual({ ok: false, status: 'denied' })
  })

  it('the first call itself decides, without holding the wait', async () => {
    const granted = await timedApproval('cus_pro2')
    expect(granted.kind).toBe('granted')
    expect(granted.ms).toBeLessThan(5000)
    const denied = await timedApproval('cus_ent2')
    expect(denied.kind).toBe('denied')
    expect(denied.ms).toBeLessThan(5000)
  })
})
