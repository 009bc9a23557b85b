import type { Petition, Phase } from '@openindent/contract'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { APIConnectionTimeoutError, IndentAPI } from '../src/index.js'
import { json, type Peer, RecordingIndentAPI, startPeer } from './peer.js'

// The long-polls against answers a real server does not give on demand: a scripted run of phases,
// every wait answered at once, or a response held for a set time. petitions.test.ts runs them
// against the server.

let peer: Peer | undefined
afterEach(async () => {
  vi.useRealTimers()
  await peer?.close()
  peer = undefined
})

async function serve(handler: Parameters<typeof startPeer>[0]) {
  peer = await startPeer(handler)
  return {
    peer,
    client: new RecordingIndentAPI({ apiToken: 'oi_sa_service', spaceName: 'acme', baseURL: peer.baseURL }),
  }
}

function petition(name: string, phase: Phase): Petition {
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
    // Each call is a new request: a reused key would let a server replay the first "open" answer.
    const keys = peer.requests.map((r) => r.headers['idempotency-key'])
    expect(new Set(keys).size).toBe(3)
    expect(keys).not.toContain('mine')
    expect(client.delays).toEqual([])
  }, 10_000)

  test('a server that answers every wait at once cannot turn it into a hot loop', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, petition('p1', 'open')))
    const result = await client.petition.waitFor({ petitionName: 'p1', timeout: 2000 })
    expect(result.state.status.phase).toBe('open')
    // At most one call per second of timeout, plus one.
    expect(peer.requests.length).toBeLessThanOrEqual(3)
  })
})

describe('check', () => {
  test('a check that waits outlasts the client timeout that ends an ordinary call as slow', async () => {
    // The peer answers after 1 s, five times the client's timeout: only a call whose timeout covers the
    // wait (1 s + 10 s) gets the answer.
    const { peer } = await serve(async (req, res) => {
      await sleep(1000)
      json(
        res,
        200,
        req.url.endsWith('approvals:check') ? { status: 'granted', petition: petition('p1', 'granted') } : {},
      )
    })
    const client = new IndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL, timeout: 200 })
    const petitioners = [{ kind: 'user', email: 'a@b.c' }]
    const resources = [{ kind: 'customer', id: 'c' }]
    const checked = await client.petition.check({ petitioners, resources, wait: 1 }, { maxRetries: 0 })
    expect(checked.status).toBe('granted')
    await expect(client.resource.list({}, { maxRetries: 0 })).rejects.toBeInstanceOf(
      APIConnectionTimeoutError,
    )
    await expect(
      client.petition.check({ petitioners, resources, wait: 1 }, { maxRetries: 0, timeout: 100 }),
    ).resolves.toMatchObject({ status: 'granted' })
  })
})
