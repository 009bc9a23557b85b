import { LABELS, OPENINDENT_LABELS } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyChain } from '../../src/domain/audit/verify.js'
import { verifyGrants } from '../../src/domain/audit/verify-grants.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { auditEvents, spaceId, userToken } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const carol = { kind: 'user', id: 'carol@example.com', email: 'carol@example.com' }
const customer = (id: string) => ({ kind: 'customer', id })

interface CheckAnswer {
  status: string
  expireTime?: string
  reason?: string
  petition: { name: string; state: { status: { phase: string } }; meta?: { labels?: Record<string, string> } }
}

describe.each(ENGINES)('policy decisions at petition creation on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
    const admin = await userToken(s, s.boot.adminEmail)
    for (const email of ['rev1@example.com', 'rev2@example.com']) {
      const res = await s.call('PUT', `${base}/members/${email}`, {
        token: admin,
        body: { member: { roles: ['editor'] } },
      })
      expect(res.status).toBe(200)
    }
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          { kind: 'customer', id: 'cus_pro', labels: { plan: 'pro' } },
          { kind: 'customer', id: 'cus_ent', labels: { plan: 'enterprise' } },
          { kind: 'customer', id: 'cus_free', labels: { plan: 'free' } },
          { kind: 'customer', id: 'cus_team', labels: { plan: 'team' } },
          {
            kind: 'user',
            id: 'alice@example.com',
            email: 'alice@example.com',
            labels: { groups: 'oncall, eng' },
          },
          {
            kind: 'user',
            id: 'carol@example.com',
            email: 'carol@example.com',
            labels: { groups: 'support' },
          },
        ],
      },
    })
    expect(up.status).toBe(200)
    for (const [id, text, mode] of [
      [
        'oncall-pro',
        '@duration("1h")\npermit(principal in Group::"oncall", action, resource)\nwhen { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
        'enforce',
      ],
      [
        'enterprise-support-only',
        'forbid(principal, action, resource)\nwhen { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" }\nunless { principal in Group::"support" };',
        'enforce',
      ],
      [
        'enterprise-anyone',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "enterprise" };',
        'enforce',
      ],
      [
        'free-would-permit',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "free" };',
        'shadow',
      ],
    ] as const) {
      const res = await s.call('POST', `${base}/policies`, { body: { id, text, mode } })
      expect(res.status, await res.clone().text()).toBe(201)
    }
  })
  afterAll(() => s.close())

  const check = async (petitioner: object, resources: object[], extra: object = {}) => {
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [petitioner], resources, ...extra },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as CheckAnswer
  }

  it('a permit grants at once, for no longer than its @duration, with audit events by the actor policy', async () => {
    const answer = await check(alice, [customer('cus_pro')], { duration: '4h', reason: 'incident 42' })
    expect(answer.status).toBe('granted')
    expect(answer.expireTime).toBe(new Date(s.clock.now() + 3_600_000).toISOString())
    const events = (await auditEvents(s)).filter((e) => e.resources?.some((r) => r.id === 'cus_pro'))
    const approve = events.find((e) => e.event === 'access/approve')
    expect(approve?.actor).toMatchObject({ kind: 'policy', id: 'policy' })
    expect(approve?.meta?.labels).toMatchObject({
      'openindent.dev/policies': 'oncall-pro',
      [LABELS.duration]: '1h0m0s',
    })
    expect(approve?.resources).toContainEqual({ kind: 'openindent.v1.Policy', id: 'oncall-pro' })
    const grant = events.find((e) => e.event === 'access/grant')
    expect(grant?.actor).toMatchObject({ kind: 'policy' })
  })

  it('a forbid denies at once, and wins over a permit that also applies', async () => {
    const answer = await check(alice, [customer('cus_ent')])
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('denied by policy enterprise-support-only')
    const deny = (await auditEvents(s)).find(
      (e) => e.event === 'access/deny' && e.resources?.some((r) => r.id === 'cus_ent'),
    )
    expect(deny?.actor).toMatchObject({ kind: 'policy' })
    expect(deny?.meta?.labels?.['openindent.dev/policies']).toBe('enterprise-support-only')
    // Support is not forbidden, so the permit applies to them.
    expect((await check(carol, [customer('cus_ent')])).status).toBe('granted')
  })

  it('no decision leaves the petition to people; one forbidden target denies a bundle', async () => {
    expect((await check(alice, [customer('cus_team')])).status).toBe('waiting')
    expect((await check(alice, [customer('cus_pro'), customer('cus_team')])).status).toBe('waiting')
    expect((await check(carol, [customer('cus_pro'), customer('cus_ent')])).status).toBe('waiting')
    expect((await check(alice, [customer('cus_free'), customer('cus_ent')])).status).toBe('denied')
  })

  it('labels sent with the request are ignored: only stored labels count', async () => {
    const answer = await check(alice, [{ kind: 'customer', id: 'cus_team', labels: { plan: 'pro' } }])
    expect(answer.status).toBe('waiting')
  })

  it('a shadow policy is evaluated and logged, never enforced', async () => {
    const answer = await check(alice, [customer('cus_free')])
    expect(answer.status).toBe('waiting')
    const shadow = (await auditEvents(s)).find((e) => e.event === 'policy/shadow')
    expect(shadow?.actor).toMatchObject({ kind: 'policy' })
    expect(shadow?.meta?.labels).toMatchObject({
      'openindent.dev/policies': 'free-would-permit',
      'openindent.dev/policy-decision': 'permit',
      'openindent.dev/policy-mode': 'shadow',
    })
  })

  it('an @approvals policy routes to people and raises the approvals needed', async () => {
    const res = await s.call('POST', `${base}/policies`, {
      body: {
        id: 'weekends-two',
        text: '@approvals("2")\npermit(principal, action, resource)\nwhen { ["Saturday", "Sunday"].contains(context.weekday) };',
      },
    })
    expect(res.status).toBe(201)
    s.clock.set(Date.UTC(2026, 0, 3, 12)) // a Saturday
    const answer = await check(carol, [customer('cus_team')], { reason: 'weekend work' })
    expect(answer.status).toBe('waiting')
    const name = answer.petition.name
    const approve = async (email: string) => {
      const r = await s.call('POST', `${base}/petitions/${name}/claims`, {
        token: await userToken(s, email),
        body: { claim: { event: 'access/approve' } },
      })
      expect(r.status, await r.clone().text()).toBe(200)
      return (await r.json()) as { meta?: { labels?: Record<string, string> } }
    }
    const first = await approve('rev1@example.com')
    expect(first.meta?.labels?.[OPENINDENT_LABELS.approvalsRequired]).toBe('2')
    expect((await check(carol, [customer('cus_team')], { reason: 'weekend work' })).status).toBe('waiting')
    await approve('rev2@example.com')
    expect((await check(carol, [customer('cus_team')], { reason: 'weekend work' })).status).toBe('granted')
    // On a weekday one approval is enough again.
    s.clock.set(Date.UTC(2026, 0, 5, 12))
    const monday = await check(carol, [customer('cus_free')])
    expect(monday.petition.meta?.labels?.['openindent.dev/policy-approvals']).toBeUndefined()
  })
  it('new labels on a resource re-evaluate open petitions, never granted ones', async () => {
    const upload = async (id: string, plan: string) => {
      const r = await s.call('PUT', `${base}/resources:bulkUpdate`, {
        body: { resources: [{ kind: 'customer', id, labels: { plan } }] },
      })
      expect(r.status).toBe(200)
    }
    const phase = async (name: string) => {
      const r = await s.call('GET', `${base}/petitions/${name}`)
      return ((await r.json()) as CheckAnswer['petition']).state.status.phase
    }
    await upload('cus_up', 'team')
    await upload('cus_down', 'team')
    const up = await check(alice, [customer('cus_up')])
    const down = await check(alice, [customer('cus_down')])
    expect([up.status, down.status]).toEqual(['waiting', 'waiting'])

    await upload('cus_up', 'pro')
    expect(await phase(up.petition.name)).toBe('granted')
    await upload('cus_down', 'enterprise')
    expect(await phase(down.petition.name)).toBe('closed')
    expect((await check(alice, [customer('cus_down')])).status).toBe('denied')

    // A granted petition keeps its grant when its target becomes forbidden.
    await upload('cus_up', 'enterprise')
    expect(await phase(up.petition.name)).toBe('granted')
  })

  it('only a policy sets the approvals a petition needs: the label sent by a caller is dropped', async () => {
    const res = await s.call('POST', `${base}/petitions`, {
      body: {
        petition: {
          petitioners: [carol],
          resources: [customer('cus_team')],
          meta: { labels: { 'openindent.dev/policy-approvals': '3', team: 'a' } },
        },
      },
    })
    expect(res.status, await res.clone().text()).toBeLessThan(300)
    const created = (await res.json()) as { name: string; meta?: { labels?: Record<string, string> } }
    expect(created.meta?.labels?.team).toBe('a')
    expect(created.meta?.labels?.['openindent.dev/policy-approvals']).toBeUndefined()
    const claim = await s.call('POST', `${base}/petitions/${created.name}/claims`, {
      token: await userToken(s, 'rev1@example.com'),
      body: { claim: { event: 'access/approve' } },
    })
    const labels = ((await claim.json()) as { meta?: { labels?: Record<string, string> } }).meta?.labels
    expect(labels?.[OPENINDENT_LABELS.approvalsRequired]).toBe('1')
  })

  it('leaves an audit chain and grants that verify', async () => {
    const id = await spaceId(s, 'default')
    expect(await verifyChain(s.rt.store, id)).toMatchObject({ ok: true })
    expect(await verifyGrants(s.rt.store, id)).toMatchObject({ ok: true })
  })
})
