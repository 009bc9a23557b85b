import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { userToken } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const bot = { kind: 'service', id: 'deploy-bot' }
const target = (t: string) => ({ kind: 'customer', id: `cus_${t}` })

/**
 * What policies know of a requester beyond the request (member role, labels of every `user` resource
 * with their email, open petitions, live grants) is read in one statement per evaluation: each fact is
 * checked here through a policy that turns on it, and each change is seen by the very next evaluation.
 */
describe.each(ENGINES)('requester facts seen by policies on %s', (engine) => {
  let s: TestServer
  let admin: string
  beforeAll(async () => {
    s = await startTestServer(engine)
    admin = await userToken(s, s.boot.adminEmail)
    const resources = ['role', 'tier', 'calm', 'again', 'free', 'free2'].map((t) => ({
      ...target(t),
      labels: { t },
    }))
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          ...resources,
          // Uploaded first: its `tier` is overridden by the later upload below, its groups are kept.
          {
            kind: 'user',
            id: 'alice@example.com',
            email: 'alice@example.com',
            labels: { groups: 'a', tier: 'x' },
          },
        ],
      },
    })
    expect(up.status).toBe(200)
    s.clock.advance(1000)
    const later = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: { resources: [{ kind: 'user', id: 'U123', email: 'alice@example.com', labels: { tier: 'y' } }] },
    })
    expect(later.status).toBe(200)
    const guard = (t: string) => `resource.hasTag("t") && resource.getTag("t") == "${t}"`
    const policies: [string, string][] = [
      [
        'by-role',
        `permit(principal, action, resource) when { ${guard('role')} && principal.role == "editor" };`,
      ],
      [
        'by-tier',
        `permit(principal in Group::"a", action, resource) when { ${guard('tier')} && principal.hasTag("tier") && principal.getTag("tier") == "y" };`,
      ],
      [
        'calm',
        `forbid(principal, action, resource) when { ${guard('calm')} && context.openPetitions >= 2 };`,
      ],
      ['calm-ok', `permit(principal, action, resource) when { ${guard('calm')} };`],
      ['again', `permit(principal, action, resource) when { ${guard('again')} && context.hasGrant };`],
      [
        'free',
        `@duration("1h") permit(principal, action, resource) when { resource.hasTag("t") && ["free", "free2"].contains(resource.getTag("t")) };`,
      ],
    ]
    for (const [id, text] of policies) {
      const res = await s.call('POST', `${base}/policies`, { body: { id, text } })
      expect(res.status, await res.clone().text()).toBe(201)
    }
  })
  afterAll(() => s.close())

  const decision = async (petitioner: object, t: string) => {
    const res = await s.call('POST', `${base}/policies:evaluate`, {
      body: { petitioners: [petitioner], resources: [target(t)] },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = (await res.json()) as { decision: string; policies: string[] }
    return `${body.decision} ${body.policies.join(',')}`.trim()
  }
  const check = async (petitioner: object, resource: object) => {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [petitioner], resources: [resource] },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    return ((await res.json()) as { status: string }).status
  }

  it('sees a member role as soon as it is given', async () => {
    expect(await decision(alice, 'role')).toBe('none')
    const put = await s.call('PUT', `${base}/members/alice@example.com`, {
      token: admin,
      body: { member: { roles: ['editor'] } },
    })
    expect(put.status).toBe(200)
    expect(await decision(alice, 'role')).toBe('permit by-role')
  })

  it("merges the labels of every user resource with the requester's email, later uploads first", async () => {
    expect(await decision(alice, 'tier')).toBe('permit by-tier')
    s.clock.advance(1000)
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: { resources: [{ kind: 'user', id: 'U123', email: 'alice@example.com', labels: { tier: 'z' } }] },
    })
    expect(up.status).toBe(200)
    expect(await decision(alice, 'tier')).toBe('none')
  })

  it('counts open petitions of the requester, for a person and for a service', async () => {
    for (const who of [alice, bot]) {
      expect(await decision(who, 'calm')).toBe('permit calm-ok')
      for (const n of [1, 2]) expect(await check(who, { kind: 'queue', id: `q${n}` })).toBe('waiting')
      expect(await decision(who, 'calm')).toBe('forbid calm')
    }
  })

  it('knows whether the requester holds a live grant, until it expires', async () => {
    for (const who of [alice, bot]) {
      expect(await decision(who, 'again')).toBe('none')
      expect(await check(who, target('free'))).toBe('granted')
      expect(await decision(who, 'again')).toBe('permit again')
    }
    s.clock.advance(2 * 3_600_000)
    for (const who of [alice, bot]) expect(await decision(who, 'again')).toBe('none')
  })

  it('answers a check a policy granted with the live grants found before it too', async () => {
    const carol = { kind: 'user', id: 'carol@example.com', email: 'carol@example.com' }
    const first = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [carol], resources: [target('free')] },
    })
    const before = (await first.json()) as { status: string; expireTime: string; petition: { name: string } }
    expect(before.status).toBe('granted')
    s.clock.advance(600_000)
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [carol], resources: [target('free'), target('free2')] },
    })
    expect(res.status).toBe(200)
    const after = (await res.json()) as {
      status: string
      expireTime: string
      petition: { name: string; grants?: unknown[] }
    }
    expect(after.status).toBe('granted')
    expect(after.petition.name).not.toBe(before.petition.name)
    // The earlier grant ends first: the answer holds only until then.
    expect(after.expireTime).toBe(before.expireTime)
  })
})
