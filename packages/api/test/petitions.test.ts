import type { Petition, Phase } from '@openindent/contract'
import * as contract from '@openindent/contract'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  APIConnectionTimeoutError,
  defaultPetitioners,
  formatGoDuration,
  IndentAPI,
  IndentError,
  isPositiveDuration,
  isWaitSeconds,
  parseGoDuration,
  tokenSubject,
} from '../src/index.js'
import { json, type Peer, RecordingIndentAPI, startPeer } from './peer.js'

let peer: Peer | undefined
afterEach(async () => {
  vi.useRealTimers()
  await peer?.close()
  peer = undefined
})

async function serve(handler: Parameters<typeof startPeer>[0], apiToken = 'oi_sa_service') {
  peer = await startPeer(handler)
  return {
    peer,
    client: new RecordingIndentAPI({ apiToken, spaceName: 'acme', baseURL: peer.baseURL }),
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/** A user access token as the server issues them: a JWT whose `sub` is the email (unsigned here). */
function jwt(payload: Record<string, unknown>): string {
  return `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}.c2lnbmF0dXJl`
}

function petition(name: string, phase: Phase = 'open'): Petition {
  return {
    name,
    spaceName: 'acme',
    meta: { labels: {} },
    petitioners: [{ kind: 'user', email: 'jane@example.com' }],
    resources: [{ kind: 'customer', id: 'cus_1' }],
    state: { status: { phase }, eventHistory: [] },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('petitions', () => {
  test('list sends every filter as a query parameter', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, { petitions: [petition('p1')] }))
    const page = await client.petition.list({
      phase: 'open',
      petitioner: 'jane@example.com',
      resource: 'customer/cus_1',
      labelSelector: 'team=support',
      pageSize: 50,
      pageToken: 't1',
      ascending: true,
    })
    expect(page.petitions.map((p) => p.name)).toEqual(['p1'])
    const url = new URL(peer.requests[0]?.url ?? '', 'http://x')
    expect(url.pathname).toBe('/v1/spaces/acme/petitions')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      phase: 'open',
      petitioner: 'jane@example.com',
      resource: 'customer/cus_1',
      labelSelector: 'team=support',
      pageSize: '50',
      pageToken: 't1',
      ascending: 'true',
    })
  })

  test('listAll follows nextPageToken to the last page', async () => {
    const { peer, client } = await serve((req, res) => {
      const token = new URL(req.url, 'http://x').searchParams.get('pageToken')
      if (token === null) json(res, 200, { petitions: [petition('p1'), petition('p2')], nextPageToken: 'n2' })
      else json(res, 200, { petitions: [petition('p3')] })
    })
    const names: string[] = []
    for await (const p of client.petition.listAll({ phase: 'granted' })) names.push(p.name)
    expect(names).toEqual(['p1', 'p2', 'p3'])
    expect(peer.requests.map((r) => r.url)).toEqual([
      '/v1/spaces/acme/petitions?phase=granted',
      '/v1/spaces/acme/petitions?phase=granted&pageToken=n2',
    ])
  })

  test('get, update, close and delete use the documented method, path and body', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1', 'closed')))
    const closed = { state: { status: { phase: 'closed' as const } } }
    await client.petition.get({ petitionName: 'p1' })
    await client.petition.update({ petitionName: 'p1', petition: closed })
    const result = await client.petition.close({ petitionName: 'p1', spaceName: 'other' })
    await client.petition.delete({ petitionName: 'p 1/x' })
    expect(result.state.status.phase).toBe('closed')
    expect(peer.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['GET', '/v1/spaces/acme/petitions/p1', undefined],
      ['PUT', '/v1/spaces/acme/petitions/p1', { petition: closed }],
      ['PUT', '/v1/spaces/other/petitions/p1', { petition: closed }],
      ['DELETE', '/v1/spaces/acme/petitions/p%201%2Fx', undefined],
    ])
    expect(peer.requests[2]?.headers['indent-space']).toBe('other')
  })

  test('create sends { petition, waitForReviewable } with the app-config label and an idempotency key', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1')))
    const created = await client.petition.create(
      {
        petitioners: [{ kind: 'user', id: 'u1', email: 'jane@example.com' }],
        resources: [{ kind: 'customer', id: 'cus_1' }],
        reason: 'ticket 812',
        meta: { labels: { team: 'support' } },
      },
      { waitForReviewable: true },
    )
    expect(created.name).toBe('p1')
    const [req] = peer.requests
    expect([req?.method, req?.url]).toEqual(['POST', '/v1/spaces/acme/petitions'])
    expect(req?.body).toEqual({
      petition: {
        petitioners: [{ kind: 'user', id: 'u1', email: 'jane@example.com' }],
        resources: [{ kind: 'customer', id: 'cus_1' }],
        reason: 'ticket 812',
        meta: { labels: { 'indent.com/app/config/id': 'space:acme', team: 'support' } },
      },
      waitForReviewable: true,
    })
    expect(req?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('create defaults the petitioner to the JWT subject and the resource to a synthetic approval', async () => {
    const token = jwt({ sub: 'jöhn@example.com', iss: 'openindent' })
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1')), token)
    await client.petition.create({ reason: 'deploy' })
    await client.petition.create({ reason: 'deploy' })
    const bodies = peer.requests.map((r) => (r.body as { petition: Record<string, unknown> }).petition)
    expect(bodies[0]?.petitioners).toEqual([{ kind: 'user', email: 'jöhn@example.com' }])
    expect(bodies[0]?.resources).toEqual([
      { kind: 'action', id: expect.stringMatching(/^approval\+.+/), displayName: 'Approval' },
    ])
    // Each synthetic approval is a distinct resource, so two generic approvals are two petitions.
    expect(bodies[0]?.resources).not.toEqual(bodies[1]?.resources)
    expect(peer.requests[0]?.body).not.toHaveProperty('waitForReviewable')
  })

  test('create without petitioners and a non-JWT token throws IndentError and sends nothing', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1')))
    await expect(client.petition.create({ resources: [{ kind: 'customer', id: 'c' }] })).rejects.toThrow(
      /petitioners/,
    )
    const noSub = new IndentAPI({ apiToken: jwt({ iss: 'x' }), spaceName: 'acme', baseURL: peer.baseURL })
    await expect(noSub.petition.create({})).rejects.toBeInstanceOf(IndentError)
    expect(peer.requests).toHaveLength(0)
  })
})

describe('claims', () => {
  test('review posts { claim } and resolves with the event', async () => {
    const { peer, client } = await serve((req, res) =>
      json(res, 200, { id: 'c1', ...(req.body as { claim: object }).claim }),
    )
    const claim = { event: 'access/deny' as const, reason: 'no' }
    const event = await client.petition.review({ petitionName: 'p1', claim })
    expect(event).toEqual({ id: 'c1', event: 'access/deny', reason: 'no' })
    expect([peer.requests[0]?.method, peer.requests[0]?.url, peer.requests[0]?.body]).toEqual([
      'POST',
      '/v1/spaces/acme/petitions/p1/claims',
      { claim },
    ])
  })

  test('approve sends the duration as a Go duration label, or the indefinite label', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, { event: 'access/approve' }))
    await client.petition.approve({ petitionName: 'p1', duration: '90m', reason: 'on call' })
    await client.petition.approve({ petitionName: 'p1', duration: 3 * 3_600_000 })
    await client.petition.approve({ petitionName: 'p1', indefinite: true })
    await client.petition.approve({ petitionName: 'p1' })
    expect(peer.requests.map((r) => r.body)).toEqual([
      {
        claim: {
          event: 'access/approve',
          reason: 'on call',
          meta: { labels: { 'indent.com/time/duration': '90m' } },
        },
      },
      { claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '3h0m0s' } } } },
      { claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/indefinite': 'true' } } } },
      { claim: { event: 'access/approve' } },
    ])
  })

  test('approve rejects a bad duration, or duration with indefinite, without sending', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, {}))
    for (const duration of ['soon', '', '-1ns', 0, -5, Number.NaN]) {
      await expect(client.petition.approve({ petitionName: 'p1', duration })).rejects.toThrow(/duration/)
    }
    await expect(
      client.petition.approve({ petitionName: 'p1', duration: '1h', indefinite: true }),
    ).rejects.toBeInstanceOf(IndentError)
    expect(peer.requests).toHaveLength(0)
  })

  test('deny and revoke send their event and reason', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, {}))
    await client.petition.deny({ petitionName: 'p1', reason: 'not on call' })
    await client.petition.revoke({ petitionName: 'p1' })
    expect(peer.requests.map((r) => [r.url, r.body])).toEqual([
      ['/v1/spaces/acme/petitions/p1/claims', { claim: { event: 'access/deny', reason: 'not on call' } }],
      ['/v1/spaces/acme/petitions/p1/claims', { claim: { event: 'access/revoke' } }],
    ])
  })

  test('claims.list pages and claims.get fetches one', async () => {
    const { peer, client } = await serve((req, res) =>
      req.url.includes('/claims/')
        ? json(res, 200, { id: 'c1', event: 'access/approve' })
        : json(res, 200, { claims: [{ id: 'c1', event: 'access/approve' }], nextPageToken: 'n' }),
    )
    const page = await client.petition.claims.list({ petitionName: 'p1', pageSize: 10, pageToken: 't' })
    const claim = await client.petition.claims.get({ petitionName: 'p1', claimName: 'c1' })
    expect(page).toEqual({ claims: [{ id: 'c1', event: 'access/approve' }], nextPageToken: 'n' })
    expect(claim.id).toBe('c1')
    expect(peer.requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/v1/spaces/acme/petitions/p1/claims?pageSize=10&pageToken=t'],
      ['GET', '/v1/spaces/acme/petitions/p1/claims/c1'],
    ])
  })
})

describe('check', () => {
  test('posts the CheckApprovalRequest with wait in seconds and the duration as a Go string', async () => {
    const token = jwt({ sub: 'jane@example.com' })
    const { peer, client } = await serve(
      (_req, res) => json(res, 200, { status: 'waiting', petition: petition('p1') }),
      token,
    )
    const response = await client.petition.check({
      resources: [{ kind: 'customer', id: 'cus_1' }],
      reason: 'ticket 812',
      duration: 30 * 60_000,
      wait: 0,
    })
    expect(response.status).toBe('waiting')
    const [req] = peer.requests
    expect([req?.method, req?.url]).toEqual(['POST', '/v1/spaces/acme/approvals:check'])
    expect(req?.body).toEqual({
      petitioners: [{ kind: 'user', email: 'jane@example.com' }],
      resources: [{ kind: 'customer', id: 'cus_1' }],
      reason: 'ticket 812',
      duration: '30m0s',
      wait: 0,
    })
  })

  test('rejects a wait outside 0..30 seconds without sending', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, {}))
    const petitioners = [{ kind: 'user', email: 'a@b.c' }]
    const resources = [{ kind: 'customer', id: 'c' }]
    for (const wait of [-1, 31, Number.POSITIVE_INFINITY]) {
      await expect(client.petition.check({ petitioners, resources, wait })).rejects.toThrow(/wait/)
    }
    expect(peer.requests).toHaveLength(0)
  })

  test('a check that waits gets an HTTP timeout longer than its wait, whatever the client timeout', async () => {
    // The peer answers after 1 s, five times the client's timeout: only a call whose timeout covers the
    // wait (1 s + 10 s) gets the answer.
    const { peer } = await serve(async (req, res) => {
      await sleep(1000)
      json(
        res,
        200,
        req.url.endsWith('approvals:check') ? { status: 'granted', petition: petition('p1') } : {},
      )
    })
    const client = new IndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL, timeout: 200 })
    const petitioners = [{ kind: 'user', email: 'a@b.c' }]
    const resources = [{ kind: 'customer', id: 'c' }]
    const checked = await client.petition.check({ petitioners, resources, wait: 1 }, { maxRetries: 0 })
    expect(checked.status).toBe('granted')
    // The same delay with the same client times out on an ordinary call.
    await expect(client.resource.list({}, { maxRetries: 0 })).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    )
    await expect(
      client.petition.check({ petitioners, resources, wait: 1 }, { maxRetries: 0, timeout: 100 }),
    ).resolves.toMatchObject({ status: 'granted' })
  })
})

describe('waitFor', () => {
  test('repeats the server-held wait until the phase changes, without sleeping between calls', async () => {
    // Timers are frozen: a sleep between calls would never end and the test would time out. Fetch and
    // the peer keep working because nothing here needs a timer to fire.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] })
    const phases: Phase[] = ['open', 'open', 'granted']
    const { peer, client } = await serve((_req, res, attempt) =>
      json(res, 200, petition('p1', phases[attempt] ?? 'closed')),
    )
    const decided = await client.petition.waitFor({ petitionName: 'p1' }, { idempotencyKey: 'mine' })
    expect(decided.state.status.phase).toBe('granted')
    expect(peer.requests.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/v1/spaces/acme/petitions/p1:wait', { wait: 30 }],
      ['POST', '/v1/spaces/acme/petitions/p1:wait', { wait: 30 }],
      ['POST', '/v1/spaces/acme/petitions/p1:wait', { wait: 30 }],
    ])
    // Each call is a new request: a reused key would let the server replay the first "open" answer.
    const keys = peer.requests.map((r) => r.headers['idempotency-key'])
    expect(new Set(keys).size).toBe(3)
    expect(keys).not.toContain('mine')
    expect(client.delays).toEqual([])
  }, 10_000)

  test('asks for no more than the time left, and returns the open petition when it runs out', async () => {
    // The peer behaves as the server: it holds each wait for its full length while nothing changes.
    const { peer, client } = await serve(async (req, res) => {
      await sleep((req.body as { wait: number }).wait * 1000)
      json(res, 200, petition('p1', 'open'))
    })
    const result = await client.petition.waitFor({ petitionName: 'p1', timeout: 1000 })
    expect(result.state.status.phase).toBe('open')
    expect(peer.requests.map((r) => r.body)).toEqual([{ wait: 1 }])
  })

  test('returns at once when the first answer is already decided', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1', 'closed')))
    const result = await client.petition.waitFor({ petitionName: 'p1', timeout: 5000 })
    expect(result.state.status.phase).toBe('closed')
    expect(peer.requests.map((r) => r.body)).toEqual([{ wait: 5 }])
  })

  test('a server that answers every wait at once cannot turn it into a hot loop', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1', 'open')))
    const result = await client.petition.waitFor({ petitionName: 'p1', timeout: 2000 })
    expect(result.state.status.phase).toBe('open')
    // At most one call per second of timeout, plus one.
    expect(peer.requests.length).toBeLessThanOrEqual(3)
  })

  test('rejects a negative timeout without sending', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1')))
    await expect(client.petition.waitFor({ petitionName: 'p1', timeout: -1 })).rejects.toBeInstanceOf(
      IndentError,
    )
    expect(peer.requests).toHaveLength(0)
  })
})

describe('helpers', () => {
  test('the SDK duration helpers agree with the contract', () => {
    for (const text of ['1h', '90m', '3h0m0s', '1.5h', '-1ns', '500ms', '1h2m3.5s', '0', 'x', '', '1d']) {
      expect(parseGoDuration(text), text).toBe(contract.parseGoDuration(text))
    }
    for (const ms of [0, 1, 999, 1000, 90_000, 3_600_000, 10_800_000, 5_400_500, -1]) {
      expect(formatGoDuration(ms), String(ms)).toBe(contract.formatGoDuration(ms))
    }
  })

  test('approvals share these checks: the default petitioners, the wait and the duration', () => {
    expect(defaultPetitioners(jwt({ sub: 'jane@example.com' }))).toEqual([
      { kind: 'user', email: 'jane@example.com' },
    ])
    expect(defaultPetitioners('oi_sa_0123456789abcdef')).toBeUndefined()
    expect([0, 0.5, 30].every(isWaitSeconds)).toBe(true)
    expect([-1, 31, Number.NaN, Number.POSITIVE_INFINITY, '10'].some(isWaitSeconds)).toBe(false)
    expect(['1h', ' 90m ', 1, 3_600_000].every(isPositiveDuration)).toBe(true)
    expect(
      ['-1ns', '0s', 'soon', '', 0, -5, Number.NaN, Number.POSITIVE_INFINITY, null].some(isPositiveDuration),
    ).toBe(false)
  })

  test('tokenSubject reads sub from a JWT and nothing from other tokens', () => {
    expect(tokenSubject(jwt({ sub: 'jane@example.com' }))).toBe('jane@example.com')
    expect(tokenSubject('oi_sa_0123456789abcdef')).toBeUndefined()
    expect(tokenSubject(jwt({ sub: 42 }))).toBeUndefined()
    expect(tokenSubject('a.!!!.c')).toBeUndefined()
    expect(tokenSubject(`x.${Buffer.from('not json').toString('base64url')}.y`)).toBeUndefined()
  })
})
