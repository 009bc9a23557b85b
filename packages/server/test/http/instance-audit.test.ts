import type { AuditEvent } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INSTANCE_CHAIN } from '../../src/domain/audit/chains.js'
import { verifyChain } from '../../src/domain/audit/verify.js'
import { SYSTEM_ACTOR } from '../../src/domain/auth/principal.js'
import { createSpaceIn } from '../../src/domain/spaces/spaces.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, expectError, spaceId, userToken } from './support.js'

interface ListResponse {
  events: AuditEvent[]
  nextPageToken?: string
}

describe.each(ENGINES)('the instance audit log on %s', (engine) => {
  let s: TestServer
  let admin: string
  let doomedId: string

  async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
    const r = await res
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`)
    return (await r.json()) as T
  }
  const instanceLog = async (query: Record<string, string> = {}, token = admin) =>
    json<ListResponse>(s.call('GET', `/v1/audit/events?${new URLSearchParams(query)}`, { token }))

  beforeAll(async () => {
    s = await startTestServer(engine)
    admin = await adminToken(s)
    const b = '/v1/spaces/doomed'
    const as = { token: admin }
    await json(s.call('POST', '/v1/spaces', { ...as, body: { space: { name: 'doomed' } } }), 201)
    doomedId = await spaceId(s, 'doomed')
    await json(
      s.call('PUT', `${b}/members/bob@example.com`, { ...as, body: { member: { roles: ['viewer'] } } }),
    )
    await json(
      s.call('POST', `${b}/serviceAccounts`, { ...as, body: { name: 'bot', roles: ['editor'] } }),
      201,
    )
    const bot = await json<{ accessToken: string }>(
      s.call('POST', `${b}/tokens`, { ...as, body: { serviceAccount: 'bot' } }),
      201,
    )
    await json(
      s.call('PUT', `${b}/resources:bulkUpdate`, {
        ...as,
        body: { resources: ['1', '2', '3'].map((id) => ({ kind: 'customer', id })) },
      }),
    )
    await json(
      s.call('POST', `${b}/approvalRules`, {
        ...as,
        body: { name: 'r1', rule: { approvers: { role: 'editor' } } },
      }),
      201,
    )
    // Filed by the bot, approved by a person (four eyes).
    const petition = await json<{ name: string }>(
      s.call('POST', `${b}/petitions`, {
        token: bot.accessToken,
        body: {
          petition: {
            petitioners: [{ kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }],
            resources: [{ kind: 'customer', id: '1' }],
          },
        },
      }),
    )
    await json(
      s.call('POST', `${b}/petitions/${petition.name}/claims`, {
        ...as,
        body: { claim: { event: 'access/approve' } },
      }),
    )
    await json(s.call('DELETE', b, as))
  })
  afterAll(() => s.close())

  it('records each space created, and a deleted space with what went with it and where its chain ended', async () => {
    const { events } = await instanceLog()
    expect(events.map((e) => [e.event, e.resources?.[0]?.id])).toEqual([
      ['space/delete', 'doomed'],
      ['space/create', 'doomed'],
      ['space/create', 'default'],
    ])
    const spaceHead = await s.rt.store.audit.head(doomedId)
    expect(events[0]).toMatchObject({
      seq: 3,
      actor: { kind: 'user', id: s.boot.adminEmail },
      resources: [{ kind: 'openindent.v1.Space', id: 'doomed' }],
      meta: {
        labels: {
          'openindent.dev/space-id': doomedId,
          'openindent.dev/space-head': `${spaceHead?.seq}:${spaceHead?.hash}`,
          'openindent.dev/deleted-resources': '3',
          'openindent.dev/deleted-petitions': '1',
          'openindent.dev/deleted-grants': '1',
          'openindent.dev/deleted-members': '1',
          'openindent.dev/deleted-service-accounts': '1',
          'openindent.dev/deleted-tokens': '1',
          'openindent.dev/deleted-approval-rules': '1',
        },
      },
    })
    expect(events[1]?.meta?.labels?.['openindent.dev/space-id']).toBe(doomedId)
    // The space's own chain stays, ends with its deletion, and still verifies.
    const [last] = await s.rt.store.audit.list(doomedId, {}, { ascending: false, limit: 1 })
    expect(last?.event).toBe('space/delete')
    expect(await verifyChain(s.rt.store, doomedId)).toMatchObject({ ok: true, head: spaceHead })
    expect(await verifyChain(s.rt.store, INSTANCE_CHAIN)).toMatchObject({ ok: true, events: 3 })
  })

  it("filters and pages like a space's log", async () => {
    const deleted = await instanceLog({ event: 'space/delete' })
    expect(deleted.events.map((e) => e.seq)).toEqual([3])
    const first = await instanceLog({ ascending: 'true', pageSize: '2' })
    expect(first.events.map((e) => e.seq)).toEqual([1, 2])
    const rest = await instanceLog({ ascending: 'true', pageSize: '2', pageToken: first.nextPageToken ?? '' })
    expect(rest.events.map((e) => e.seq)).toEqual([3])
    expect(rest.nextPageToken).toBeUndefined()
    const byResource = await instanceLog({ resourceKind: 'openindent.v1.Space', resourceId: 'default' })
    expect(byResource.events.map((e) => e.event)).toEqual(['space/create'])
  })

  it('is for instance administrators only', async () => {
    await expectError(await s.call('GET', '/v1/audit/events'), 403, 'PERMISSION_DENIED')
    await json(
      s.call('PUT', '/v1/spaces/default/members/ed@example.com', {
        token: admin,
        body: { member: { roles: ['editor'] } },
      }),
    )
    const editor = await userToken(s, 'ed@example.com')
    await expectError(await s.call('GET', '/v1/audit/events', { token: editor }), 403, 'PERMISSION_DENIED')
    await expectError(await s.call('GET', '/v1/audit/events', { token: null }), 401, 'UNAUTHENTICATED')
  })

  it('refuses bad filters and page tokens with 400 and the parameter', async () => {
    const bad = (query: string) => s.call('GET', `/v1/audit/events?${query}`, { token: admin })
    await expectError(await bad('startTime=yesterday'), 400, 'INVALID_ARGUMENT', 'startTime')
    await expectError(await bad('pageToken=not-a-token'), 400, 'INVALID_ARGUMENT', 'pageToken')
    await expectError(await bad('pageSize=0'), 400, 'INVALID_ARGUMENT', 'pageSize')
    await expectError(await bad('resourceId=x'), 400, 'INVALID_ARGUMENT', 'resourceKind')
    await expectError(await bad('ascending=maybe'), 400, 'INVALID_ARGUMENT', 'ascending')
  })

  it('no space can take the chain id: names starting with "_" are refused, also below the API', async () => {
    await expectError(
      await s.call('POST', '/v1/spaces', { token: admin, body: { space: { name: INSTANCE_CHAIN } } }),
      400,
      'INVALID_ARGUMENT',
    )
    await expect(
      s.rt.store.transaction((tx) =>
        createSpaceIn(tx, SYSTEM_ACTOR, { name: INSTANCE_CHAIN }, s.clock.now()),
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await s.rt.store.spaces.byName(INSTANCE_CHAIN)).toBeUndefined()
    await expectError(
      await s.call('GET', `/v1/spaces/${INSTANCE_CHAIN}/events`, { token: admin }),
      404,
      'NOT_FOUND',
    )
    expect((await instanceLog()).events).toHaveLength(3)
  })

  it('is described in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      s.call('GET', '/v1/openapi.json'),
    )
    expect(Object.keys(doc.paths['/v1/audit/events'] ?? {})).toContain('get')
  })
})
