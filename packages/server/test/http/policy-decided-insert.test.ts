import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { verifyChain } from '../../src/domain/audit/verify.js'
import { verifyGrants } from '../../src/domain/audit/verify-grants.js'
import { AuditRepo } from '../../src/store/repos/audit.js'
import { PetitionRepo } from '../../src/store/repos/petitions.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { auditEvents, spaceId } from './support.js'

const base = '/v1/spaces/default'
const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
const customer = (id: string) => ({ kind: 'customer', id })

interface Answer {
  status: string
  reason?: string
  petition: { name: string; state: { status: { phase: string }; eventHistory: { event: string }[] } }
}

/**
 * A petition the policies decide before it is stored is written once, in its final phase, with its
 * audit events appended in one go; the answer is built from what that transaction wrote, and is
 * exactly the petition as read back afterwards.
 */
describe.each(ENGINES)('a petition decided by policy as it opens, on %s', (engine) => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer(engine)
    const up = await s.call('PUT', `${base}/resources:bulkUpdate`, {
      body: {
        resources: [
          ...['pro1', 'pro2', 'pro3'].map((id) => ({ kind: 'customer', id, labels: { plan: 'pro' } })),
          { kind: 'customer', id: 'blocked1', labels: { plan: 'blocked' } },
          { kind: 'customer', id: 'team1', labels: { plan: 'team' } },
        ],
      },
    })
    expect(up.status).toBe(200)
    for (const [id, text, mode] of [
      [
        'pro',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
        'enforce',
      ],
      [
        'blocked',
        'forbid(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "blocked" };',
        'enforce',
      ],
      [
        'watch-pro',
        'permit(principal, action, resource) when { resource.hasTag("plan") && resource.getTag("plan") == "pro" };',
        'shadow',
      ],
    ] as const) {
      const res = await s.call('POST', `${base}/policies`, { body: { id, text, mode } })
      expect(res.status, await res.clone().text()).toBe(201)
    }
  })
  afterAll(() => s.close())
  afterEach(() => vi.restoreAllMocks())

  /** The check's answer, with the store calls it made that matter here. */
  const checked = async (resource: string) => {
    const transition = vi.spyOn(PetitionRepo.prototype, 'transition')
    const grantsOf = vi.spyOn(PetitionRepo.prototype, 'grantsOf')
    const append = vi.spyOn(AuditRepo.prototype, 'append')
    const petitionEvents = vi.spyOn(AuditRepo.prototype, 'petitionEvents')
    const res = await s.call('POST', `${base}/approvals:check`, {
      body: { petitioners: [alice], resources: [customer(resource)] },
    })
    expect(res.status, await res.clone().text()).toBe(200)
    const calls = {
      transition: transition.mock.calls.length,
      grantsOf: grantsOf.mock.calls.length,
      append: append.mock.calls.length,
      petitionEvents: petitionEvents.mock.calls.length,
    }
    vi.restoreAllMocks()
    return { answer: (await res.json()) as Answer, calls }
  }

  const readBack = async (name: string) => {
    const res = await s.call('GET', `${base}/petitions/${name}`)
    expect(res.status).toBe(200)
    return res.json()
  }

  it('a permit stores the petition granted in one insert, and answers without reading it back', async () => {
    const { answer, calls } = await checked('pro1')
    expect(answer.status).toBe('granted')
    expect(calls).toEqual({ transition: 0, grantsOf: 0, append: 1, petitionEvents: 0 })
    // What a later read gives, the history byte for byte (PostgreSQL's jsonb may order the keys of
    // petitioners and targets its own way, as it always did).
    const read = (await readBack(answer.petition.name)) as Answer['petition']
    expect(answer.petition).toEqual(read)
    expect(JSON.stringify(answer.petition.state.eventHistory)).toBe(JSON.stringify(read.state.eventHistory))
    const stored = await s.rt.store.petitions.get(await spaceId(s, 'default'), answer.petition.name)
    expect(stored).toMatchObject({
      phase: 'granted',
      outcome: 'approved',
      decideReason: 'approved by policy pro',
    })
    expect(stored?.decideTime).toBe(stored?.createTime)
    const events = (await auditEvents(s)).filter(
      (e) => e.meta?.labels?.['indent.com/petition'] === answer.petition.name,
    )
    expect(events.map((e) => [e.event, e.actor?.kind])).toEqual([
      ['access/request', 'openindent.v1.ServiceAccount'],
      ['policy/shadow', 'policy'],
      ['access/approve', 'policy'],
      ['access/grant', 'policy'],
    ])
  })

  it('a forbid stores the petition denied in one insert', async () => {
    const { answer, calls } = await checked('blocked1')
    expect(answer.status).toBe('denied')
    expect(answer.reason).toBe('denied by policy blocked')
    expect(calls).toMatchObject({ transition: 0, append: 1 })
    expect(answer.petition).toEqual(await readBack(answer.petition.name))
    const events = (await auditEvents(s)).filter(
      (e) => e.meta?.labels?.['indent.com/petition'] === answer.petition.name,
    )
    expect(events.map((e) => [e.event, e.actor?.kind])).toEqual([
      ['access/request', 'openindent.v1.ServiceAccount'],
      ['access/deny', 'policy'],
    ])
  })

  it('no decision stores it open, and an identical request finds that petition', async () => {
    const first = await checked('team1')
    expect(first.answer.status).toBe('waiting')
    expect(first.answer.petition.state.status.phase).toBe('open')
    const again = await checked('team1')
    expect(again.answer.petition.name).toBe(first.answer.petition.name)
  })

  it('the watch stream hears a decided petition open and then be decided', async () => {
    const heard: string[] = []
    const stop = s.rt.feed.subscribe((events) => {
      for (const e of events) heard.push(e.type)
    })
    try {
      expect((await checked('pro2')).answer.status).toBe('granted')
    } finally {
      stop()
    }
    expect(heard).toEqual(['opened', 'granted'])
  })

  it('identical checks sent together are granted by one petition, on one grant', async () => {
    // Each decides before any has stored its petition; the store lets only one be granted, and the
    // others answer from that one's grant.
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await s.call('POST', `${base}/approvals:check`, {
          body: { petitioners: [alice], resources: [customer('pro3')] },
        })
        expect(res.status, await res.clone().text()).toBe(200)
        return (await res.json()) as Answer
      }),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill('granted'))
    expect(new Set(answers.map((a) => a.petition.name)).size).toBe(1)
    const granted = (await auditEvents(s)).filter(
      (e) => e.event === 'access/grant' && e.resources?.some((r) => r.id === 'pro3'),
    )
    expect(granted).toHaveLength(1)
  })

  it('leaves an audit chain and grants that verify', async () => {
    const id = await spaceId(s, 'default')
    expect(await verifyChain(s.rt.store, id)).toMatchObject({ ok: true })
    expect(await verifyGrants(s.rt.store, id)).toMatchObject({ ok: true })
  })
})
