import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { type SlackCall, SlackStandIn } from '../helpers/slack-standin.js'
import { spaceId, userToken } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const SECRET = 'slack-signing-secret-for-tests-0001'

/** Every text in a Block Kit message, flattened, to look for what reviewers read. */
function textOf(call: SlackCall | undefined): string {
  return JSON.stringify(call?.args.blocks ?? [])
}

describe.each(ENGINES)('Slack messages from the outbox, on %s', (engine) => {
  let s: TestServer
  const slack = new SlackStandIn()

  beforeAll(async () => {
    await slack.start()
    s = await startTestServer(engine, {
      env: {
        OPENINDENT_SLACK_BOT_TOKEN: 'xoxb-test-token',
        OPENINDENT_SLACK_SIGNING_SECRET: SECRET,
        OPENINDENT_SLACK_API_URL: slack.url,
        OPENINDENT_PUBLIC_URL: 'https://access.example.com',
      },
    })
    for (const email of ['dave@example.com', 'erin@example.com']) {
      const res = await s.call('PUT', `${base}/members/${email}`, { body: { member: { roles: ['editor'] } } })
      expect(res.status).toBe(200)
    }
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
    // Decided: no buttons left to press.
    expect(text).not.toContain('Approve"')
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
})
