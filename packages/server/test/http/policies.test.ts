import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { preparedSet } from '../../src/domain/policies/engine.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { auditEvents, expectError, spaceId, spaceState, userToken } from './support.js'

const base = '/v1/spaces/default'
const PRO = `@duration("1h")
permit(principal, action == Action::"request", resource)
when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };`

interface PolicyList {
  version: number
  timeZone: string
  policies: { id: string; text: string; mode: string; effect: string; duration?: string; version: number }[]
}

describe.each(ENGINES)('policy sets on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const list = async () => (await (await s.call('GET', `${base}/policies`)).json()) as PolicyList

  it('creates, lists, replaces and deletes policies, each change a new version in the history and the audit log', async () => {
    const created = await s.call('POST', `${base}/policies`, { body: { id: 'pro-1h', text: PRO } })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({
      id: 'pro-1h',
      effect: 'permit',
      duration: '1h0m0s',
      mode: 'enforce',
      version: 1,
    })

    const replaced = await s.call('PUT', `${base}/policies/pro-1h`, {
      body: { text: PRO.replace('"1h"', '"30m"'), mode: 'shadow' },
    })
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toMatchObject({ duration: '30m0s', mode: 'shadow', version: 2 })
    expect(await list()).toMatchObject({
      version: 2,
      timeZone: 'UTC',
      policies: [{ id: 'pro-1h', version: 2 }],
    })

    expect((await s.call('DELETE', `${base}/policies/pro-1h`)).status).toBe(200)
    expect((await list()).policies).toEqual([])
    await expectError(await s.call('GET', `${base}/policies/pro-1h`), 404, 'NOT_FOUND')

    const history = (await (await s.call('GET', `${base}/policies:history?pageSize=2`)).json()) as {
      changes: { version: number; change: string; text?: string }[]
      nextPageToken?: string
    }
    expect(history.changes.map((c) => [c.version, c.change])).toEqual([
      [3, 'delete'],
      [2, 'update'],
    ])
    const rest = (await (
      await s.call('GET', `${base}/policies:history?pageToken=${history.nextPageToken}`)
    ).json()) as { changes: { version: number; text?: string }[] }
    expect(rest.changes).toMatchObject([{ version: 1, text: PRO }])

    const events = (await auditEvents(s)).filter((e) => e.event.startsWith('policy/'))
    expect(events.map((e) => e.event)).toEqual(['policy/create', 'policy/update', 'policy/delete'])
    expect(events[0]?.resources).toEqual([{ kind: 'openindent.v1.Policy', id: 'pro-1h' }])
  })

  it('refuses a policy that does not validate, with Cedar message and position, and stores nothing', async () => {
    const before = await spaceState(s)
    const version = (await list()).version
    const typo = await expectError(
      await s.call('POST', `${base}/policies`, {
        body: { id: 'typo', text: 'permit(principal, action, resource)\nwhen { resource.plann == "pro" };' },
      }),
      400,
      'INVALID_ARGUMENT',
      'policy.text',
    )
    expect(typo.message).toMatch(/^line 2, column 8: .*attribute `plann` on entity type `Resource` not found/)
    const syntax = await expectError(
      await s.call('POST', `${base}/policies`, {
        body: { id: 'syntax', text: 'permit(principal, action, resource) when { 1 == };' },
      }),
      400,
      'INVALID_ARGUMENT',
    )
    expect(syntax.message).toMatch(/^line 1, column 49: .*unexpected token/)
    const duration = await expectError(
      await s.call('POST', `${base}/policies`, { body: { id: 'dur', text: PRO.replace('"1h"', '"soon"') } }),
      400,
      'INVALID_ARGUMENT',
    )
    expect(duration.message).toMatch(/@duration/)
    const two = await expectError(
      await s.call('POST', `${base}/policies`, { body: { id: 'two', text: `${PRO}\n${PRO}` } }),
      400,
      'INVALID_ARGUMENT',
    )
    expect(two.message).toMatch(/exactly one/)
    expect((await list()).version).toBe(version)
    expect(await spaceState(s)).toEqual(before)
  })

  it('takes policy changes only from editors; a viewer may read and evaluate', async () => {
    const admin = await userToken(s, s.boot.adminEmail)
    const member = await s.call('PUT', `${base}/members/vic@example.com`, {
      token: admin,
      body: { member: { roles: ['viewer'] } },
    })
    expect(member.status).toBe(200)
    const viewer = await userToken(s, 'vic@example.com')
    const before = await spaceState(s)
    await expectError(
      await s.call('POST', `${base}/policies`, { token: viewer, body: { id: 'sneaky', text: PRO } }),
      403,
      'PERMISSION_DENIED',
    )
    await expectError(
      await s.call('PUT', `${base}/policies:settings`, { token: viewer, body: { timeZone: 'UTC' } }),
      403,
      'PERMISSION_DENIED',
    )
    expect(await spaceState(s)).toEqual(before)
    expect((await s.call('GET', `${base}/policies`, { token: viewer })).status).toBe(200)
    expect((await s.call('GET', `${base}/policies:history`, { token: viewer })).status).toBe(200)
  })

  it('prepares a set once per version: the same until a change, a new one after', async () => {
    const id = await spaceId(s, 'default')
    expect((await s.call('POST', `${base}/policies`, { body: { id: 'cached', text: PRO } })).status).toBe(201)
    const first = await preparedSet(s.rt.store, id)
    expect(await preparedSet(s.rt.store, id)).toBe(first)
    expect(
      (await s.call('PUT', `${base}/policies/cached`, { body: { text: PRO, mode: 'shadow' } })).status,
    ).toBe(200)
    const second = await preparedSet(s.rt.store, id)
    expect(second).not.toBe(first)
    expect(second.version).toBe(first.version + 1)
    expect(second.byId.get('cached')?.mode).toBe('shadow')
    expect((await s.call('DELETE', `${base}/policies/cached`)).status).toBe(200)
  })

  it('refuses a duplicate id, a bad time zone, and apps writing policy/ events', async () => {
    expect((await s.call('POST', `${base}/policies`, { body: { id: 'dup', text: PRO } })).status).toBe(201)
    await expectError(
      await s.call('POST', `${base}/policies`, { body: { id: 'dup', text: PRO } }),
      409,
      'ALREADY_EXISTS',
    )
    await expectError(
      await s.call('PUT', `${base}/policies:settings`, { body: { timeZone: 'Mars/Olympus' } }),
      400,
      'INVALID_ARGUMENT',
      'timeZone',
    )
    const tz = await s.call('PUT', `${base}/policies:settings`, { body: { timeZone: 'Europe/Berlin' } })
    expect(await tz.json()).toMatchObject({ timeZone: 'Europe/Berlin' })
    await expectError(
      await s.call('POST', `${base}/events:write`, { body: { events: [{ event: 'policy/create' }] } }),
      400,
      'INVALID_ARGUMENT',
    )
    expect((await s.call('DELETE', `${base}/policies/dup`)).status).toBe(200)
  })
})

describe.each(ENGINES)('policies:evaluate on %s', (engine) => {
  let s: TestServer
  const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
  beforeAll(async () => {
    s = await startTestServer(engine)
    await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          { kind: 'customer', id: 'cus_pro', labels: { plan: 'pro' } },
          { kind: 'customer', id: 'cus_team', labels: { plan: 'team' } },
          { kind: 'user', id: 'alice@example.com', email: 'alice@example.com', labels: { groups: 'oncall' } },
        ],
      },
    })
    const rule = await s.call('POST', `${base}/approvalRules`, {
      body: {
        name: 'pro-pair',
        rule: {
          selector: { labelSelector: 'plan=pro' },
          approvers: { role: 'editor' },
          minApprovals: 2,
          priority: 1,
        },
      },
    })
    expect(rule.status).toBe(201)
    for (const [id, text, mode] of [
      [
        'oncall-pro',
        `@duration("1h")\npermit(principal in Group::"oncall", action, resource)\nwhen { resource.hasTag("plan") && resource.getTag("plan") == "pro" };`,
        'enforce',
      ],
      ['no-nights', 'forbid(principal, action, resource) when { context.hour < 6 };', 'enforce'],
      [
        'team-shadow',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "team" };',
        'shadow',
      ],
    ] as const) {
      expect((await s.call('POST', `${base}/policies`, { body: { id, text, mode } })).status).toBe(201)
    }
  })
  afterAll(() => s.close())

  const evaluate = async (body: object) => {
    const res = await s.call('POST', `${base}/policies:evaluate`, { body })
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as Record<string, unknown>
  }

  it('explains a permit, a forbid by time of day, and a request left to people, and writes nothing', async () => {
    const before = await spaceState(s)
    expect(
      await evaluate({
        petitioners: [alice],
        resources: [{ kind: 'customer', id: 'cus_pro' }],
        duration: '8h',
        time: '2026-01-01T12:00:00Z',
      }),
    ).toMatchObject({
      decision: 'permit',
      policies: ['oncall-pro'],
      duration: '1h0m0s',
      approvalRule: { names: ['pro-pair'], minApprovals: 2 },
    })
    expect(
      await evaluate({
        petitioners: [alice],
        resources: [{ kind: 'customer', id: 'cus_pro' }],
        time: '2026-01-01T03:00:00Z',
      }),
    ).toMatchObject({ decision: 'forbid', policies: ['no-nights'] })
    expect(
      await evaluate({
        petitioners: [alice],
        resources: [{ kind: 'customer', id: 'cus_team' }],
        time: '2026-01-01T12:00:00Z',
      }),
    ).toMatchObject({
      decision: 'none',
      policies: [],
      shadow: { decision: 'permit', policies: ['team-shadow'] },
      approvalRule: { names: ['default'], minApprovals: 1 },
    })
    expect(await spaceState(s)).toEqual(before)
  })

  it('reads the hour in the set time zone', async () => {
    // 03:00 UTC is 12:00 in Tokyo: no longer at night.
    expect(
      (await s.call('PUT', `${base}/policies:settings`, { body: { timeZone: 'Asia/Tokyo' } })).status,
    ).toBe(200)
    expect(
      await evaluate({
        petitioners: [alice],
        resources: [{ kind: 'customer', id: 'cus_pro' }],
        time: '2026-01-01T03:00:00Z',
      }),
    ).toMatchObject({ decision: 'permit' })
  })

  it('refuses a bad time with a 400', async () => {
    await expectError(
      await s.call('POST', `${base}/policies:evaluate`, {
        body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'x' }], time: 'noon' },
      }),
      400,
      'INVALID_ARGUMENT',
      'time',
    )
  })
})
