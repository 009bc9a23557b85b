import { setTimeout as sleep } from 'node:timers/promises'
import { verify as indentVerify } from '@indent/webhook'
import { LABELS } from '@openindent/contract'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { type Receiver, startReceiver } from '../helpers/receiver.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { adminToken, auditEvents, expectError } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const TIMEOUT_MS = 400

interface CheckAnswer {
  status: string
  expireTime?: string
  reason?: string
  petition: { name: string; state: { status: { phase: string } } }
}

const approve = (duration?: string) => ({
  status: 200,
  body: {
    claims: [
      {
        event: 'access/approve',
        reason: 'on call right now',
        ...(duration ? { meta: { labels: { [LABELS.duration]: duration } } } : {}),
      },
    ],
  },
})

describe.each(ENGINES)('decision webhooks on %s', (engine) => {
  let s: TestServer
  let receiver: Receiver
  let secret: string
  let n = 0

  beforeAll(async () => {
    s = await startTestServer(engine, { env: { OPENINDENT_DECISION_TIMEOUT: `${TIMEOUT_MS}ms` } })
    receiver = await startReceiver()
    const res = await s.call('POST', `${base}/webhooks`, {
      body: {
        webhook: {
          name: 'oncall',
          url: receiver.url,
          handler: { type: 'decision', resourceKinds: ['customer'] },
        },
      },
    })
    expect(res.status, await res.clone().text()).toBe(201)
    secret = ((await res.json()) as { secret: string }).secret
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          { kind: 'customer', id: 'cus_ent', labels: { plan: 'enterprise' } },
          { kind: 'customer', id: 'cus_team', labels: { plan: 'team' } },
          { kind: 'customer', id: 'cus_team2', labels: { plan: 'team' } },
        ],
      },
    })
    expect(up.status).toBe(200)
    const policy = await s.call('POST', `${base}/policies`, {
      body: {
        id: 'no-enterprise',
        text: 'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" };',
        mode: 'enforce',
      },
    })
    expect(policy.status, await policy.clone().text()).toBe(201)
    const two = await s.call('POST', `${base}/policies`, {
      body: {
        id: 'team-two',
        text: '@approvals("2")\npermit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "team" };',
        mode: 'enforce',
      },
    })
    expect(two.status, await two.clone().text()).toBe(201)
  })
  afterAll(async () => {
    await s.close()
    await receiver.close()
  })
  beforeEach(() => {
    s.clock.advance(1000)
    receiver.calls.length = 0
    receiver.respond = () => ({ status: 200, body: {} })
  })

  /** An approval check on a customer no earlier case asked about. */
  async function check(id = `cus_${++n}`): Promise<CheckAnswer> {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id }] },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as CheckAnswer
  }
  const eventsOf = async (petition: string) =>
    (await auditEvents(s)).filter(
      (e) => (e as { petition?: string }).petition === petition || hasPetition(e, petition),
    )

  it("an approval with a duration grants at once, signed so Indent's own verify accepts the call", async () => {
    receiver.respond = () => approve('2h')
    const answer = await check()
    expect(answer.status).toBe('granted')
    expect(answer.expireTime).toBe(new Date(s.clock.now() + 2 * 3_600_000).toISOString())
    expect(receiver.calls).toHaveLength(1)
    const call = receiver.calls[0]
    if (!call) throw new Error('no call')
    expect(await indentVerify({ secret, body: call.body, headers: call.headers as never })).toBe(true)
    const { events } = JSON.parse(call.body) as { events: { event: string; resources: { id?: string }[] }[] }
    expect(events.map((e) => e.event)).toEqual(['access/request'])
    expect(events[0]?.resources.map((r) => r.id)).toEqual(['alice@example.com', `cus_${n}`])
    expect(petitionIn(call.body)).toBe(answer.petition.name)
    const approval = (await eventsOf(answer.petition.name)).find((e) => e.event === 'access/approve')
    expect(approval?.actor).toMatchObject({ kind: 'openindent.v1.Webhook', id: 'oncall' })
    expect(approval?.meta?.labels).toMatchObject({
      [LABELS.duration]: '2h0m0s',
      'openindent.dev/decided-by': 'webhook',
    })
    // Decided by a webhook: a person approving afterwards is refused cleanly.
    const late = await s.call('POST', `${base}/petitions/${answer.petition.name}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    await expectError(late, 409, 'CONFLICT')
  })

  it('a denial with a reason denies at once', async () => {
    receiver.respond = () => ({
      status: 200,
      body: { claims: [{ event: 'access/deny', reason: 'not in the support group' }] },
    })
    const answer = await check()
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('not in the support group')
    const deny = (await eventsOf(answer.petition.name)).find((e) => e.event === 'access/deny')
    expect(deny?.actor).toMatchObject({ kind: 'openindent.v1.Webhook', id: 'oncall' })
  })

  it('no claims leaves the petition to people, and records nothing', async () => {
    receiver.respond = () => ({ status: 200, body: { claims: [] } })
    const answer = await check()
    expect(answer.status).toBe('waiting')
    expect(receiver.calls).toHaveLength(1)
    const failed = (await eventsOf(answer.petition.name)).filter((e) =>
      e.event.startsWith('webhook/decision/'),
    )
    expect(failed).toEqual([])
  })

  it('a receiver slower than the timeout leaves the petition to people, recorded, and holds the API no longer', async () => {
    receiver.respond = async () => {
      await sleep(TIMEOUT_MS * 4)
      return approve()
    }
    const started = Date.now()
    const answer = await check()
    const took = Date.now() - started
    expect(answer.status).toBe('waiting')
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 20)
    expect(took).toBeLessThan(TIMEOUT_MS * 4)
    const failed = (await eventsOf(answer.petition.name)).find((e) => e.event === 'webhook/decision/failed')
    expect(failed?.actor).toMatchObject({ kind: 'openindent.v1.Webhook', id: 'oncall' })
    expect((failed as { reason?: string })?.reason).toMatch(/decision webhook oncall no answer within 400 ms/)
    // People still decide it.
    const res = await s.call('POST', `${base}/petitions/${answer.petition.name}/claims`, {
      token: await adminToken(s),
      body: { claim: { event: 'access/approve' } },
    })
    expect(res.status).toBe(200)
  })

  it.each([
    ['a JSON string', { status: 200, body: 'approved!' }, /did not answer \{claims/],
    [
      'an unknown claim',
      { status: 200, body: { claims: [{ event: 'access/explode' }] } },
      /claim "access\/explode"/,
    ],
    [
      'a bad duration',
      {
        status: 200,
        body: { claims: [{ event: 'access/approve', meta: { labels: { [LABELS.duration]: 'forever' } } }] },
      },
      /invalid duration/,
    ],
    [
      'an error status',
      { status: 200, body: { status: { code: 13, message: 'boom' } } },
      /status code 13: boom/,
    ],
    ['HTTP 500', { status: 500, body: { claims: [{ event: 'access/approve' }] } }, /answered HTTP 500/],
  ])('a receiver answering %s leaves the petition to people, recorded', async (_, reply, why) => {
    receiver.respond = () => reply
    const answer = await check()
    expect(answer.status).toBe('waiting')
    expect(answer.petition.state.status.phase).toBe('open')
    const failed = (await eventsOf(answer.petition.name)).find((e) => e.event === 'webhook/decision/failed')
    expect((failed as { reason?: string })?.reason).toMatch(why)
  })

  it('a Cedar forbid wins: the webhook is not even called', async () => {
    receiver.respond = () => approve('1h')
    const answer = await check('cus_ent')
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('denied by policy no-enterprise')
    expect(receiver.calls).toHaveLength(0)
  })

  it('a person deciding while the receiver thinks wins; the late answer is recorded and ignored', async () => {
    const admin = await adminToken(s)
    receiver.respond = async (call) => {
      const name = petitionIn(call.body)
      const res = await s.call('POST', `${base}/petitions/${name}/claims`, {
        token: admin,
        body: { claim: { event: 'access/deny', reason: 'not today' } },
      })
      expect(res.status).toBe(200)
      return approve('1h')
    }
    const answer = await check()
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('not today')
    const events = await eventsOf(answer.petition.name)
    expect(events.filter((e) => e.event === 'access/grant')).toEqual([])
    const ignored = events.find((e) => e.event === 'webhook/decision/ignored')
    expect((ignored as { reason?: string })?.reason).toMatch(
      /answered approve after the petition was already denied/,
    )
  })

  it('a policy asking for two approvals by people is not cut short by an approve; a deny still applies', async () => {
    receiver.respond = () => approve('1h')
    const waiting = await check('cus_team')
    expect(waiting.status).toBe('waiting')
    const ignored = (await eventsOf(waiting.petition.name)).find(
      (e) => e.event === 'webhook/decision/ignored',
    )
    expect((ignored as { reason?: string })?.reason).toMatch(/a policy asks for 2 approvals by people/)
    receiver.respond = () => ({ status: 200, body: { claims: [{ event: 'access/deny', reason: 'no' }] } })
    expect((await check('cus_team2')).status).toBe('denied')
  })

  it('with several decision webhooks, a denial by one wins over an approval by another', async () => {
    const other = await startReceiver()
    try {
      const res = await s.call('POST', `${base}/webhooks`, {
        body: {
          webhook: {
            name: 'projects',
            url: other.url,
            handler: { type: 'decision', resourceKinds: ['project'] },
          },
        },
      })
      expect(res.status).toBe(201)
      receiver.respond = () => approve('1h')
      other.respond = () => ({ status: 200, body: { claims: [{ event: 'access/deny', reason: 'frozen' }] } })
      const both = await s.call('POST', `${base}/approvals:check`, {
        body: {
          petitioners: [alice],
          resources: [
            { kind: 'customer', id: `cus_${++n}` },
            { kind: 'project', id: 'apollo' },
          ],
        },
      })
      const answer = (await both.json()) as CheckAnswer
      expect(answer.status).toBe('denied')
      expect(answer.reason).toBe('frozen')
      expect(receiver.calls).toHaveLength(1)
      expect(other.calls).toHaveLength(1)
    } finally {
      expect((await s.call('DELETE', `${base}/webhooks/projects`)).status).toBeLessThan(300)
      await other.close()
    }
  })

  it('refuses a decision webhook at a cloud metadata address', async () => {
    const res = await s.call('POST', `${base}/webhooks`, {
      body: {
        webhook: { name: 'steal', url: 'http://169.254.169.254/latest/', handler: { type: 'decision' } },
      },
    })
    expect((await expectError(res, 400, 'INVALID_ARGUMENT')).message).toMatch(/metadata/)
  })

  it('a stored decision webhook at a metadata address (saved while allowed) is refused at call time, recorded', async () => {
    const space = await s.rt.store.spaces.byName('default')
    if (!space) throw new Error('no space')
    const now = s.clock.now()
    expect(
      await s.rt.store.webhooks.insert({
        spaceId: space.id,
        name: 'imds',
        url: 'http://169.254.169.254/latest/',
        method: 'POST',
        secret: 'whsec_0123456789abcdef',
        handlerType: 'decision',
        resourceKinds: ['customer'],
        dryRun: false,
        createTime: now,
        updateTime: now,
      }),
    ).toBe(true)
    try {
      receiver.respond = () => ({ status: 200, body: { claims: [] } })
      const answer = await check()
      expect(answer.status).toBe('waiting')
      const failed = (await eventsOf(answer.petition.name)).find(
        (e) => e.event === 'webhook/decision/failed' && e.actor?.id === 'imds',
      )
      expect((failed as { reason?: string })?.reason).toMatch(
        /refused: 169\.254\.169\.254 is a cloud metadata address/,
      )
    } finally {
      await s.rt.store.webhooks.delete(space.id, 'imds')
    }
  })
})

function hasPetition(e: { meta?: { labels?: Record<string, string> } }, petition: string): boolean {
  return e.meta?.labels?.[LABELS.petition] === petition
}

/** The petition a decision call is about, as the request event names it. */
function petitionIn(body: string): string {
  const { events } = JSON.parse(body) as {
    events: { meta?: { labels?: Record<string, string> }; petition?: string }[]
  }
  const e = events[0]
  const name = e?.petition ?? e?.meta?.labels?.[LABELS.petition]
  if (!name) throw new Error(`no petition in ${body}`)
  return name
}
