import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { OPENINDENT_LABELS } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { userToken } from './support.js'

const README = readFileSync(fileURLToPath(new URL('../../../../README.md', import.meta.url)), 'utf8')
const EXAMPLES = readFileSync(
  fileURLToPath(new URL('../../../../examples/policies/policies.cedar', import.meta.url)),
  'utf8',
)

/** The ```cedar blocks of the README's "Policies" section, as written there. */
function readmeExamples(): { id: string; text: string }[] {
  const section = README.split('\n## Policies\n')[1]?.split('\n## ')[0] ?? ''
  return [...section.matchAll(/```cedar\n([\s\S]*?)```/g)].map((m) => {
    const text = m[1] ?? ''
    return { id: /@id\("([^"]+)"\)/.exec(text)?.[1] ?? '', text }
  })
}

const base = '/v1/spaces/default'
const person = (email: string) => ({ kind: 'user', id: email, email })

describe('the README policy examples', () => {
  it('are the three of examples/policies/policies.cedar, word for word', () => {
    const examples = readmeExamples()
    expect(examples.map((e) => e.id)).toEqual([
      'oncall-pro',
      'enterprise-support-only',
      'weekends-two-approvals',
    ])
    for (const e of examples) expect(EXAMPLES).toContain(e.text)
  })
})

describe.each(ENGINES)('the README policy examples, saved and used, on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
    const admin = await userToken(s, s.boot.adminEmail)
    for (const email of ['rev1@example.com', 'rev2@example.com']) {
      await s.call('PUT', `${base}/members/${email}`, {
        token: admin,
        body: { member: { roles: ['editor'] } },
      })
    }
    await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          { kind: 'customer', id: 'cus_pro', labels: { plan: 'pro' } },
          { kind: 'customer', id: 'cus_ent', labels: { plan: 'enterprise' } },
          { kind: 'customer', id: 'cus_team', labels: { plan: 'team' } },
          {
            kind: 'user',
            id: 'oncall@example.com',
            email: 'oncall@example.com',
            labels: { groups: 'oncall' },
          },
          { kind: 'user', id: 'help@example.com', email: 'help@example.com', labels: { groups: 'support' } },
        ],
      },
    })
    for (const { id, text } of readmeExamples()) {
      const res = await s.call('POST', `${base}/policies`, { body: { id, text } })
      expect(res.status, await res.clone().text()).toBe(201)
    }
  })
  afterAll(() => s.close())

  const check = async (email: string, id: string, duration?: string) => {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: {
        petitioners: [person(email)],
        resources: [{ kind: 'customer', id }],
        ...(duration ? { duration } : {}),
      },
    })
    expect(res.status).toBe(200)
    return (await res.json()) as { status: string; expireTime?: string; petition: { name: string } }
  }

  it('on-call engineers are auto-approved for one hour on plan=pro', async () => {
    const answer = await check('oncall@example.com', 'cus_pro', '8h')
    expect(answer.status).toBe('granted')
    expect(answer.expireTime).toBe(new Date(s.clock.now() + 3_600_000).toISOString())
    expect((await check('dev@example.com', 'cus_pro')).status).toBe('waiting')
  })

  it('nobody outside support gets plan=enterprise', async () => {
    expect((await check('oncall@example.com', 'cus_ent')).status).toBe('denied')
    expect((await check('help@example.com', 'cus_ent')).status).toBe('waiting')
  })

  it('weekends need two approvals', async () => {
    s.clock.set(Date.UTC(2026, 0, 4, 10)) // a Sunday
    const { petition, status } = await check('dev@example.com', 'cus_team')
    expect(status).toBe('waiting')
    const approve = async (email: string) => {
      const res = await s.call('POST', `${base}/petitions/${petition.name}/claims`, {
        token: await userToken(s, email),
        body: { claim: { event: 'access/approve' } },
      })
      expect(res.status).toBe(200)
      return ((await res.json()) as { meta: { labels: Record<string, string> } }).meta.labels
    }
    expect((await approve('rev1@example.com'))[OPENINDENT_LABELS.approvalsRequired]).toBe('2')
    expect((await check('dev@example.com', 'cus_team')).status).toBe('waiting')
    await approve('rev2@example.com')
    expect((await check('dev@example.com', 'cus_team')).status).toBe('granted')
  })
})
