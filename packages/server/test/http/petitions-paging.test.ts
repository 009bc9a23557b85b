import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { userToken } from './support.js'

interface Claim {
  event: string
  actor?: { id?: string }
}
interface PetitionItem {
  name: string
  meta: { labels: Record<string, string> }
}

describe.each(ENGINES)('paging petitions and claims on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default'
  const reviewers = ['r1@example.com', 'r2@example.com', 'r3@example.com']

  beforeAll(async () => {
    s = await startTestServer(engine)
    const admin = await userToken(s, s.boot.adminEmail)
    for (const email of reviewers) {
      const res = await s.call('PUT', `${base}/members/${email}`, {
        token: admin,
        body: { member: { roles: ['editor'] } },
      })
      expect(res.status).toBe(200)
    }
    const rule = await s.call('POST', `${base}/approvalRules`, {
      body: {
        name: 'three-eyes',
        rule: { selector: { kind: 'vault' }, approvers: { role: 'editor' }, minApprovals: 3 },
      },
    })
    expect(rule.status).toBe(201)
  })
  afterAll(() => s.close())

  const create = async (id: string, labels: Record<string, string>) => {
    const res = await s.call('POST', `${base}/petitions`, {
      body: {
        petition: {
          petitioners: [{ kind: 'user', id: 'staff@example.com', email: 'staff@example.com' }],
          resources: [{ kind: 'vault', id }],
          meta: { labels },
        },
      },
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { name: string }).name
  }

  async function all<T>(
    first: string,
    key: string,
  ): Promise<{ pages: T[][]; tokens: (string | undefined)[] }> {
    const pages: T[][] = []
    const tokens: (string | undefined)[] = []
    let url = first
    for (let i = 0; i < 20; i++) {
      const res = await s.call('GET', url)
      expect(res.status).toBe(200)
      const body = (await res.json()) as Record<string, unknown> & { nextPageToken?: string }
      pages.push(body[key] as T[])
      tokens.push(body.nextPageToken)
      if (!body.nextPageToken) break
      url = `${first}&pageToken=${encodeURIComponent(body.nextPageToken)}`
    }
    return { pages, tokens }
  }

  it("pages through a petition's claims, oldest first, pageSize at a time", async () => {
    const name = await create('v-claims', {})
    for (const email of reviewers) {
      const res = await s.call('POST', `${base}/petitions/${name}/claims`, {
        token: await userToken(s, email),
        body: { claim: { event: 'access/approve' } },
      })
      expect(res.status).toBe(200)
    }
    const revoke = await s.call('POST', `${base}/petitions/${name}/claims`, {
      body: { claim: { event: 'access/revoke', reason: 'done' } },
    })
    expect(revoke.status).toBe(200)

    const { pages, tokens } = await all<Claim>(`${base}/petitions/${name}/claims?pageSize=1`, 'claims')
    expect(pages.map((p) => p.length)).toEqual([1, 1, 1, 1])
    expect(tokens.slice(0, 3).every((t) => typeof t === 'string')).toBe(true)
    expect(tokens[3]).toBeUndefined()
    expect(pages.flat().map((c) => `${c.event} ${c.actor?.id ?? ''}`)).toEqual([
      ...reviewers.map((r) => `access/approve ${r}`),
      'access/revoke bootstrap',
    ])
    const whole = (await (await s.call('GET', `${base}/petitions/${name}/claims`)).json()) as {
      claims: Claim[]
      nextPageToken?: string
    }
    expect(whole.claims).toHaveLength(4)
    expect(whole.nextPageToken).toBeUndefined()
  })

  it('filters by petitioner and resource ids holding LIKE wildcards literally', async () => {
    const create2 = async (who: string, target: string) => {
      const res = await s.call('POST', `${base}/petitions`, {
        body: {
          petition: {
            petitioners: [{ kind: 'user', id: `u_${who}`, email: `${who}@example.com` }],
            resources: [{ kind: 'vault', id: target }],
          },
        },
      })
      expect(res.status).toBe(200)
      return ((await res.json()) as { name: string }).name
    }
    const exact = await create2('a_b', 'v_1%')
    await create2('axb', 'vx1z')
    const names = async (q: string) =>
      (
        (await (await s.call('GET', `${base}/petitions?${q}`)).json()) as { petitions: { name: string }[] }
      ).petitions.map((p) => p.name)
    expect(await names('petitioner=A_B%40example.com')).toEqual([exact])
    expect(await names(`resource=${encodeURIComponent('v_1%')}`)).toEqual([exact])
  })

  it('filters petitions by label selector before paging: full pages, no empty page with a token', async () => {
    const team = new Map<string, string>()
    for (let i = 0; i < 9; i++) {
      const t = i % 3 === 0 ? 'blue' : 'green'
      team.set(await create(`v-label-${i}`, { team: t }), t)
    }
    const { pages, tokens } = await all<PetitionItem>(
      `${base}/petitions?labelSelector=${encodeURIComponent('team=blue')}&pageSize=2`,
      'petitions',
    )
    expect(pages.map((p) => p.length)).toEqual([2, 1])
    expect(tokens[1]).toBeUndefined()
    const names = pages.flat().map((p) => p.name)
    // Newest first; these share one create time (the clock stands still), so by name, descending.
    const blue = [...team].filter(([, t]) => t === 'blue').map(([n]) => n)
    expect(names).toEqual(blue.sort().reverse())
    expect(pages.flat().every((p) => p.meta.labels.team === 'blue')).toBe(true)
  })
})
