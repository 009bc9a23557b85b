import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/store/schema.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { type SlackCall, SlackStandIn, slackSignature } from '../helpers/slack-standin.js'
import { spaceId, userToken } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const SECRET = 'slack-signing-secret-for-tests-0001'

/** Every text in a Block Kit message, flattened, to look for what reviewers read. */
function textOf(call: SlackCall | undefined): string {
  return JSON.stringify(call?.args.blocks ?? [])
}

/**
 * A server with the Slack app pointed at the stand-in, members dave and erin (editors) and vera
 * (viewer), and their Slack accounts; U_MALLORY claims erin's address unconfirmed.
 */
async function startSlackServer(engine: Engine, slack: SlackStandIn): Promise<TestServer> {
  await slack.start()
  const s = await startTestServer(engine, {
    env: {
      OPENINDENT_SLACK_BOT_TOKEN: 'xoxb-test-token',
      OPENINDENT_SLACK_SIGNING_SECRET: SECRET,
      OPENINDENT_SLACK_API_URL: slack.url,
      OPENINDENT_PUBLIC_URL: 'https://access.example.com',
    },
  })
  for (const [email, role] of [
    ['dave@example.com', 'editor'],
    ['erin@example.com', 'editor'],
    ['vera@example.com', 'viewer'],
  ] as const) {
    const res = await s.call('PUT', `${base}/members/${email}`, { body: { member: { roles: [role] } } })
    expect(res.status).toBe(200)
  }
  for (const [id, email, confirmed] of [
    ['U_DAVE', 'dave@example.com', true],
    ['U_ERIN', 'Erin@Example.com', true],
    ['U_VERA', 'vera@example.com', true],
    ['U_MALLORY', 'erin@example.com', false],
  ] as const) {
    slack.users.set(id, { id, email, confirmed })
  }
  return s
}

describe.each(ENGINES)('Slack messages from the outbox, on %s', (engine) => {
  let s: TestServer
  const slack = new SlackStandIn()

  beforeAll(async () => {
    s = await startSlackServer(engine, slack)
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: ['prod', 'p2', 'p3', 'p4'].map((id) => ({
          kind: 'database',
          id,
          displayName: id === 'prod' ? 'Production DB' : `DB ${id}`,
          labels: { env: 'prod' },
        })),
      },
    })
    expect(up.status).toBe(200)
    const rule = await s.call('POST', `${base}/approvalRules`, {
      body: {
        name: 'prod-db',
        rule: {
          displayName: 'Production databases',
          selector: { kind: 'database' },
          approvers: { role: 'editor' },
          minApprovals: 2,
          defaultDuration: '2h',
          maxDuration: '8h',
          notify: { slackChannels: ['#access'] },
        },
      },
    })
    expect(rule.status).toBe(201)
    expect(((await rule.json()) as { notify?: unknown }).notify).toEqual({ slackChannels: ['#access'] })
  })
  afterAll(async () => {
    await s.close()
    await slack.close()
  })
  beforeEach(() => {
    s.clock.advance(1000)
    slack.calls.length = 0
  })

  async function open(id = 'prod', reason = 'incident INC-42'): Promise<string> {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'database', id }], reason },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }

  async function claim(petition: string, email: string, event: string, reason?: string): Promise<Response> {
    return s.call('POST', `${base}/petitions/${petition}/claims`, {
      token: await userToken(s, email),
      body: { claim: { event, ...(reason ? { reason } : {}) } },
    })
  }

  it('posts a new petition with its details, Approve (with the rule durations) and Deny', async () => {
    const petition = await open()
    await s.rt.outbox.drain()
    const posts = slack.of('chat.postMessage')
    expect(posts).toHaveLength(1)
    const post = posts[0] as SlackCall
    expect(post.token).toBe('xoxb-test-token')
    expect(post.args.channel).toBe('#access')
    const text = textOf(post)
    expect(text).toContain('alice@example.com')
    expect(text).toContain('Production DB (database/prod) [env=prod]')
    expect(text).toContain('incident INC-42')
    expect(text).toContain('Production databases')
    expect(text).toContain('0 of 2 approvals')
    expect(text).toContain(`https://access.example.com/petitions/${petition}`)
    // The reviewer's signals: the test clock stands just after midnight UTC on a Thursday.
    expect(text).toContain('First request by alice@example.com for Production DB')
    expect(text).toContain('alice@example.com holds no grants now')
    expect(text).toMatch(/Asked outside working hours: Thursday 00:\d\d \(UTC\)/)
    const actions = (post.args.blocks as { type: string; elements?: Record<string, unknown>[] }[]).find(
      (b) => b.type === 'actions',
    )
    const [menu, approve, deny] = actions?.elements ?? []
    expect(((menu?.options ?? []) as { value: string }[]).map((o) => o.value)).toEqual([
      '2h',
      '1h',
      '4h',
      '8h',
    ])
    expect(approve).toMatchObject({ text: { text: 'Approve' }, value: `default/${petition}` })
    expect(deny).toMatchObject({ text: { text: 'Deny' }, value: `default/${petition}` })
  })

  it('escapes what requesters write, so a display name or reason cannot ping a channel or forge a link', async () => {
    const mal = {
      kind: 'user',
      id: 'mal@example.com',
      email: 'mal@example.com',
      displayName: '<!channel> Mal',
    }
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: {
        petitioners: [mal],
        resources: [{ kind: 'database', id: 'p2' }],
        reason: '<https://evil.example|ticket>',
      },
    })
    expect(res.status).toBe(200)
    await s.rt.outbox.drain()
    const post = slack.of('chat.postMessage').at(-1)
    const all = `${String(post?.args.text)} ${textOf(post)}`
    expect(all).not.toContain('<!channel>')
    expect(all).not.toContain('<https://evil.example')
    expect(all).toContain('&lt;!channel&gt; Mal')
  })

  it('updates the same message in place as reviewers approve through the API', async () => {
    const petition = await open('p2', 'approve me')
    await s.rt.outbox.drain()
    expect(slack.of('chat.postMessage')).toHaveLength(1)
    const posted = await s.rt.store.slack.message(await spaceId(s, 'default'), petition, '#access')
    expect(posted).toMatchObject({ channelId: 'C_access' })

    expect((await claim(petition, 'dave@example.com', 'access/approve')).status).toBe(200)
    await s.rt.outbox.drain()
    const first = slack.of('chat.update')
    expect(first).toHaveLength(1)
    expect(first[0]?.args).toMatchObject({ channel: 'C_access', ts: posted?.ts })
    expect(textOf(first[0])).toContain('1 of 2 approvals')

    expect((await claim(petition, 'erin@example.com', 'access/approve')).status).toBe(200)
    await s.rt.outbox.drain()
    const last = slack.of('chat.update').at(-1)
    expect(last?.args).toMatchObject({ channel: 'C_access', ts: posted?.ts })
    const text = textOf(last)
    expect(text).toContain('2 of 2 approvals')
    expect(text).toMatch(/Approved by dave@example.com, erin@example.com/)
    // Decided: no buttons left to press, and no signals for a decision already taken.
    expect(text).not.toContain('Approve"')
    expect(text).not.toContain('holds no grants now')
    expect(textOf(first[0])).toContain('holds no grants now')
    expect(slack.of('chat.postMessage')).toHaveLength(1)
  })

  it('shows a denial in place', async () => {
    const petition = await open('p3', 'deny me')
    await s.rt.outbox.drain()
    expect((await claim(petition, 'dave@example.com', 'access/deny', 'not today')).status).toBe(200)
    await s.rt.outbox.drain()
    const update = slack.of('chat.update').at(-1)
    expect(textOf(update)).toContain('Denied by dave@example.com: not today')
    expect(textOf(update)).not.toContain('openindent_approve')
  })

  it('keeps a post Slack refused as a pending delivery with its error, and posts it on the retry', async () => {
    slack.failNext.add('chat.postMessage')
    await open('p4', 'refused once')
    await s.rt.outbox.drain()
    const listed = await s.call('GET', `${base}/deliveries?status=pending`)
    const { deliveries } = (await listed.json()) as {
      deliveries: { channel: string; webhook: string; lastError?: string; nextAttemptTime: string }[]
    }
    const mine = deliveries.find((d) => d.channel === 'slack')
    expect(mine).toMatchObject({ webhook: '#access' })
    expect(mine?.lastError).toMatch(/channel_not_found/)
    s.clock.set(Date.parse(mine?.nextAttemptTime ?? ''))
    await s.rt.outbox.drain()
    expect(slack.of('chat.postMessage')).toHaveLength(2)
  })

  it('sends nothing to Slack for petitions whose rule names no channel', async () => {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'customer', id: 'c1' }], reason: 'no slack' },
    })
    expect(res.status).toBe(200)
    await s.rt.outbox.drain()
    expect(slack.calls).toHaveLength(0)
  })

  it('messages the reviewers a rule names directly, never the petitioner, skipping people Slack does not know', async () => {
    const rule = {
      selector: { kind: 'cluster' },
      approvers: { role: 'editor' },
      notify: { slackUsers: ['Dave@example.com', 'alice@example.com', 'ghost@example.com'] },
    }
    expect((await s.call('POST', `${base}/approvalRules`, { body: { name: 'clusters', rule } })).status).toBe(
      201,
    )
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'cluster', id: 'k1' }], reason: 'debug' },
    })
    const petition = ((await res.json()) as { petition: { name: string } }).petition.name
    await s.rt.outbox.drain()
    expect(
      slack
        .of('users.lookupByEmail')
        .map((c) => c.args.email)
        .sort(),
    ).toEqual(['dave@example.com', 'ghost@example.com'])
    expect(slack.of('chat.postMessage').map((c) => c.args.channel)).toEqual(['U_DAVE'])
    expect((await claim(petition, 'erin@example.com', 'access/approve')).status).toBe(200)
    await s.rt.outbox.drain()
    expect(slack.of('chat.update').map((c) => c.args.channel)).toEqual(['U_DAVE'])
    const listed = await s.call('GET', `${base}/deliveries?status=pending`)
    const { deliveries } = (await listed.json()) as { deliveries: { channel: string }[] }
    expect(deliveries.filter((d) => d.channel === 'slack')).toHaveLength(0)
  })

  it('queues no update for a petition that was never posted (its rule named the channel later)', async () => {
    const rule = { selector: { kind: 'queue' }, approvers: { role: 'editor' } }
    expect((await s.call('POST', `${base}/approvalRules`, { body: { name: 'queues', rule } })).status).toBe(
      201,
    )
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'queue', id: 'q1' }], reason: 'before' },
    })
    const petition = ((await res.json()) as { petition: { name: string } }).petition.name
    const put = await s.call('PUT', `${base}/approvalRules/queues`, {
      body: { rule: { ...rule, notify: { slackChannels: ['#queues'] } } },
    })
    expect(put.status).toBe(200)
    expect((await claim(petition, 'dave@example.com', 'access/approve')).status).toBe(200)
    await s.rt.outbox.drain()
    expect(slack.calls).toHaveLength(0)
    const listed = await s.call('GET', `${base}/deliveries?status=pending`)
    const { deliveries } = (await listed.json()) as { deliveries: { channel: string }[] }
    expect(deliveries.filter((d) => d.channel === 'slack')).toHaveLength(0)
  })

  it("sends the message directly to escalation reviewers once the rule's escalateAfter has passed, then keeps it current", async () => {
    const rule = {
      selector: { kind: 'secret' },
      approvers: { role: 'editor' },
      notify: { escalateAfter: '10m', escalateTo: ['erin@example.com'] },
    }
    expect((await s.call('POST', `${base}/approvalRules`, { body: { name: 'secrets', rule } })).status).toBe(
      201,
    )
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'secret', id: 's1' }], reason: 'rotate' },
    })
    const petition = ((await res.json()) as { petition: { name: string } }).petition.name
    await s.rt.outbox.drain()
    expect(slack.calls).toHaveLength(0)
    s.clock.advance(9 * 60_000)
    expect((await s.rt.reach.runOnce()).escalated).toBe(0)
    s.clock.advance(2 * 60_000)
    expect((await s.rt.reach.runOnce()).escalated).toBe(1)
    await s.rt.outbox.drain()
    expect(slack.of('chat.postMessage').map((c) => c.args.channel)).toEqual(['U_ERIN'])
    expect((await s.rt.reach.runOnce()).escalated).toBe(0)
    expect((await claim(petition, 'dave@example.com', 'access/approve')).status).toBe(200)
    await s.rt.outbox.drain()
    expect(slack.of('chat.update').map((c) => c.args.channel)).toEqual(['U_ERIN'])
    expect(slack.of('chat.postMessage')).toHaveLength(1)
  })

  it('posts nothing for a request a policy grants as it is filed, nor for its later revoke', async () => {
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: { resources: [{ kind: 'database', id: 'auto', labels: { plan: 'auto' } }] },
    })
    expect(up.status).toBe(200)
    const text =
      'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "auto" };'
    const policy = await s.call('POST', `${base}/policies`, {
      body: { id: 'auto-db', text, mode: 'enforce' },
    })
    expect(policy.status).toBe(201)
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [{ kind: 'database', id: 'auto' }], reason: 'auto' },
    })
    const answer = (await res.json()) as { petition: { name: string; state: { status: { phase: string } } } }
    expect(answer.petition.state.status.phase).toBe('granted')
    await s.rt.outbox.drain()
    const closed = await s.call('DELETE', `${base}/petitions/${answer.petition.name}`)
    expect(closed.status).toBe(200)
    await s.rt.outbox.drain()
    expect(slack.calls).toHaveLength(0)
    expect(await s.rt.store.slack.postedTargets(await spaceId(s, 'default'), answer.petition.name)).toEqual(
      [],
    )
  })

  // Last: it moves the clock a day on, which closes every petition still open.
  it('shows a petition closed for want of a decision (pending timeout) in place', async () => {
    const petition = await open('prod', 'nobody answers')
    await s.rt.outbox.drain()
    s.clock.advance(24 * 3_600_000)
    await s.rt.reach.runOnce()
    await s.rt.outbox.drain()
    const posted = await s.rt.store.slack.message(await spaceId(s, 'default'), petition, '#access')
    const update = slack.of('chat.update').find((c) => c.args.ts === posted?.ts)
    expect(textOf(update)).toContain('Closed without a decision (no decision within 24h)')
    expect(textOf(update)).not.toContain('openindent_approve')
  })
})

interface PetitionView {
  state: { status: { phase: string } }
}

/** A block_actions payload as Slack documents it: a button pressed in a message, the menu's state. */
function clickPayload(user: string, actionId: string, petitionRef: string, duration?: string): unknown {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0001' },
    api_app_id: 'A0001',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: '1700000000.000001',
      channel_id: 'C_access',
      is_ephemeral: false,
    },
    trigger_id: '123.456.abc',
    team: { id: 'T0001', domain: 'example' },
    channel: { id: 'C_access', name: 'access' },
    message: { type: 'message', ts: '1700000000.000001', text: 'access request' },
    state: {
      values: duration
        ? {
            openindent_review: {
              openindent_duration: {
                type: 'static_select',
                selected_option: { text: { type: 'plain_text', text: duration }, value: duration },
              },
            },
          }
        : {},
    },
    response_url: 'https://hooks.slack.com/actions/T0001/1/abc',
    actions: [
      {
        action_id: actionId,
        block_id: 'openindent_review',
        text: { type: 'plain_text', text: 'Approve' },
        value: petitionRef,
        type: 'button',
        action_ts: '1700000000.100000',
      },
    ],
  }
}

describe.each(ENGINES)('Slack interactivity, on %s', (engine) => {
  let s: TestServer
  const slack = new SlackStandIn()
  let seq = 0

  beforeAll(async () => {
    s = await startSlackServer(engine, slack)
    const rule = await s.call('POST', `${base}/approvalRules`, {
      body: {
        name: 'apps',
        rule: {
          selector: { kind: 'app' },
          approvers: { role: 'editor' },
          minApprovals: 2,
          defaultDuration: '1h',
          maxDuration: '8h',
          notify: { slackChannels: ['#access'] },
        },
      },
    })
    expect(rule.status).toBe(201)
  })
  afterAll(async () => {
    await s.close()
    await slack.close()
  })
  beforeEach(() => {
    s.clock.advance(1000)
    slack.calls.length = 0
  })

  async function open(petitioner = alice): Promise<string> {
    seq += 1
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [petitioner], resources: [{ kind: 'app', id: `app${seq}` }], reason: 'deploy' },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }

  function send(payload: unknown, opts: { secret?: string; ageSeconds?: number; body?: string } = {}) {
    const body = opts.body ?? `payload=${encodeURIComponent(JSON.stringify(payload))}`
    const timestamp = Math.floor(s.clock.now() / 1000) - (opts.ageSeconds ?? 0)
    return {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': slackSignature(opts.secret ?? SECRET, timestamp, body),
      },
    }
  }

  const post = (req: { body: string; headers: Record<string, string> }) =>
    s.call('POST', '/slack/interactivity', { token: null, rawBody: req.body, headers: req.headers })

  async function phase(petition: string): Promise<string> {
    const res = await s.call('GET', `${base}/petitions/${petition}`)
    return ((await res.json()) as PetitionView).state.status.phase
  }

  async function approvalsOf(petition: string): Promise<{ actor?: { email?: string }; reason?: string }[]> {
    const stored = await s.rt.store.audit.petitionEvents(await spaceId(s, 'default'), [petition], {
      only: ['access/approve'],
    })
    return stored.map((e) => e.event)
  }

  it("approves as the member with the clicking Slack user's email, with the picked duration, and updates the message", async () => {
    const petition = await open()
    await s.rt.outbox.drain()
    expect(slack.of('chat.postMessage')).toHaveLength(1)
    const ref = `default/${petition}`

    expect((await post(send(clickPayload('U_DAVE', 'openindent_approve', ref, '4h')))).status).toBe(200)
    expect(await phase(petition)).toBe('open')
    expect((await post(send(clickPayload('U_ERIN', 'openindent_approve', ref, '4h')))).status).toBe(200)
    expect(await phase(petition)).toBe('granted')
    const approvals = await approvalsOf(petition)
    expect(approvals.map((e) => e.actor?.email).sort()).toEqual(['dave@example.com', 'erin@example.com'])
    expect(approvals.every((e) => e.reason === 'decided in Slack')).toBe(true)
    const grants = await s.rt.store.petitions.grantsOf(await spaceId(s, 'default'), [petition])
    const grant = grants.get(petition)?.[0]
    expect((grant?.expireTime ?? 0) - (grant?.startTime ?? 0)).toBe(4 * 3_600_000)

    await s.rt.outbox.drain()
    const update = slack.of('chat.update').at(-1)
    expect(update?.args).toMatchObject({ channel: 'C_access' })
    expect(textOf(update)).toContain('Approved by dave@example.com, erin@example.com')
    expect(slack.of('chat.postEphemeral')).toHaveLength(0)
  })

  it('denies from Slack', async () => {
    const petition = await open()
    expect((await post(send(clickPayload('U_DAVE', 'openindent_deny', `default/${petition}`)))).status).toBe(
      200,
    )
    expect(await phase(petition)).toBe('closed')
  })

  it('refuses in an ephemeral message someone who may not review, and changes nothing', async () => {
    const petition = await open()
    const ref = `default/${petition}`
    for (const user of ['U_VERA', 'U_MALLORY', 'U_NOBODY']) {
      expect((await post(send(clickPayload(user, 'openindent_approve', ref, '1h')))).status).toBe(200)
    }
    const refusals = slack.of('chat.postEphemeral')
    expect(refusals.map((c) => c.args.user)).toEqual(['U_VERA', 'U_MALLORY', 'U_NOBODY'])
    expect(refusals.every((c) => c.args.channel === 'C_access')).toBe(true)
    expect(String(refusals[0]?.args.text)).toMatch(/not a reviewer/)
    // An email Slack has not confirmed proves nothing, even a member's.
    expect(String(refusals[1]?.args.text)).toMatch(/no confirmed email/)
    expect(String(refusals[2]?.args.text)).toMatch(/no confirmed email/)
    expect(await phase(petition)).toBe('open')
    expect(await approvalsOf(petition)).toHaveLength(0)
  })

  it('keeps four eyes: a petitioner clicking Approve on their own request is refused', async () => {
    const petition = await open({ kind: 'user', id: 'dave@example.com', email: 'dave@example.com' })
    expect(
      (await post(send(clickPayload('U_DAVE', 'openindent_approve', `default/${petition}`)))).status,
    ).toBe(200)
    expect(String(slack.of('chat.postEphemeral')[0]?.args.text)).toMatch(/your own petition/)
    expect(await approvalsOf(petition)).toHaveLength(0)
  })

  it('refuses badly signed, stale, unsigned and replayed requests with 401, changing nothing', async () => {
    const petition = await open()
    const payload = clickPayload('U_DAVE', 'openindent_approve', `default/${petition}`)
    const wrong = await post(send(payload, { secret: 'another-secret-entirely-000000' }))
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: { code: string; requestId: string } }).error).toMatchObject({
      code: 'UNAUTHENTICATED',
    })
    expect((await post(send(payload, { ageSeconds: 6 * 60 }))).status).toBe(401)
    const good = send(payload)
    expect(
      (await post({ body: good.body, headers: { 'content-type': good.headers['content-type'] } })).status,
    ).toBe(401)
    // The body changed after signing (another petition swapped in): the signature no longer matches.
    const tampered = { ...good, body: good.body.replace(petition, 'ffffffffffff') }
    expect((await post(tampered)).status).toBe(401)
    expect(await approvalsOf(petition)).toHaveLength(0)

    expect((await post(good)).status).toBe(200)
    expect(await approvalsOf(petition)).toHaveLength(1)
    const replay = await post(good)
    expect(replay.status).toBe(401)
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/handled already/)
  })

  it('answers 400 to a signed body that is not a block_actions payload, and 200 to a menu pick', async () => {
    const bad = await post(send(undefined, { body: 'payload=%7Bnot-json' }))
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT')
    const pick = clickPayload('U_DAVE', 'openindent_duration', 'default/x')
    expect((await post(send(pick))).status).toBe(200)
    expect(slack.calls).toHaveLength(0)
  })
})
