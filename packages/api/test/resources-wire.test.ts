import type { ResourceInput } from '@openindent/contract'
import { afterEach, describe, expect, test } from 'vitest'
import { BadRequestError, type BulkProgress, IndentAPI, IndentError } from '../src/index.js'
import { errorBody, json, type Peer, type Recorded, RecordingIndentAPI, startPeer } from './peer.js'

// What the SDK itself does with resource calls, shown on the peer: the paths it builds, how it splits,
// orders, paces and retries bulk chunks. resources.test.ts runs the calls against the server.

let peer: Peer | undefined
afterEach(async () => {
  await peer?.close()
  peer = undefined
})

async function serve(handler: Parameters<typeof startPeer>[0]) {
  peer = await startPeer(handler)
  return {
    peer,
    client: new RecordingIndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL }),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function customers(count: number): ResourceInput[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'customer',
    id: String(i),
    labels: { plan: 'pro' },
  }))
}

/** The server's answer to a bulkUpdate chunk: each resource stored under the name `r<id>`. */
function stored(req: Recorded) {
  const { resources } = req.body as { resources: ResourceInput[] }
  return { resources: resources.map((r) => ({ ...r, name: `r${r.id}`, labels: r.labels ?? {}, meta: {} })) }
}

function firstId(req: Recorded): number {
  return Number((req.body as { resources: ResourceInput[] }).resources[0]?.id)
}

describe('paths', () => {
  test('encodes each path segment', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, {}))
    await client.resource.get({ resourceName: 'a/b c?d', spaceName: 'team one' })
    expect(peer.requests[0]?.url).toBe('/v1/spaces/team%20one/resources/a%2Fb%20c%3Fd')
  })

  test('rejects names that URL parsing would resolve to another path, without sending', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 200, {}))
    for (const resourceName of ['', '.', '..']) {
      await expect(client.resource.delete({ resourceName })).rejects.toBeInstanceOf(IndentError)
    }
    expect(peer.requests).toHaveLength(0)
  })

  test('without a space on the call or the client, throws IndentError and sends nothing', async () => {
    const { peer } = await serve((_req, res) => json(res, 200, {}))
    const client = new IndentAPI({ apiToken: 'tok', spaceName: null, baseURL: peer.baseURL })
    await expect(client.resource.list()).rejects.toBeInstanceOf(IndentError)
    await expect(client.resource.get({ resourceName: 'r1' })).rejects.toThrow(/INDENT_SPACE/)
    await expect(client.resource.bulkUpdate({ resources: customers(1) })).rejects.toBeInstanceOf(IndentError)
    expect(peer.requests).toHaveLength(0)
  })
})

describe('bulkUpdate', () => {
  test('splits 2,500 resources into 3 chunks, keeps input order and reports progress up to the total', async () => {
    const { peer, client } = await serve(async (req, res) => {
      // Later chunks answer first, so completion order differs from input order.
      await sleep(firstId(req) === 0 ? 60 : 5)
      json(res, 200, stored(req))
    })
    const progress: BulkProgress[] = []
    const input = customers(2500)
    const result = await client.resource.bulkUpdate(
      { resources: input },
      { chunkSize: 1000, onProgress: (p) => progress.push(p) },
    )

    expect(peer.requests).toHaveLength(3)
    expect(
      peer.requests.every((r) => r.method === 'PUT' && r.url === '/v1/spaces/acme/resources:bulkUpdate'),
    ).toBe(true)
    const sizes = peer.requests.map((r) => (r.body as { resources: unknown[] }).resources.length)
    expect(sizes.sort((a, b) => b - a)).toEqual([1000, 1000, 500])
    expect(result.resources.map((r) => r.id)).toEqual(input.map((r) => r.id))
    expect(result.resources[0]?.name).toBe('r0')

    expect(progress).toHaveLength(3)
    expect(progress.every((p) => p.total === 2500)).toBe(true)
    const done = progress.map((p) => p.done)
    expect(done).toEqual([...done].sort((a, b) => a - b))
    expect(done.at(-1)).toBe(2500)
  })

  test('uses chunks of 1000 by default', async () => {
    const { peer, client } = await serve((req, res) => json(res, 200, stored(req)))
    await client.resource.bulkUpdate({ resources: customers(2001) })
    expect(peer.requests.map((r) => (r.body as { resources: unknown[] }).resources.length)).toEqual([
      1000, 1000, 1,
    ])
  })

  test.each([
    [undefined, 4],
    [1, 1],
    [3, 3],
  ])('with concurrency %s, at most %i chunks are in flight', async (concurrency, expected) => {
    let inFlight = 0
    let maxInFlight = 0
    const { client } = await serve(async (req, res) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      // Held until the expected number are in flight (or a second has passed), so that a slow machine
      // cannot make the SDK look less concurrent than it is; one more would still show in the maximum.
      const until = Date.now() + 1000
      while (inFlight < expected && Date.now() < until) await sleep(5)
      await sleep(20)
      inFlight--
      json(res, 200, stored(req))
    })
    await client.resource.bulkUpdate({ resources: customers(600) }, { chunkSize: 100, concurrency })
    expect(maxInFlight).toBe(expected)
  })

  test('returnResources: false asks for counts with Prefer; a server that answers with resources is counted', async () => {
    // As Indent's API answers: the resources, whatever the Prefer header says.
    const { peer, client } = await serve((req, res) => json(res, 200, stored(req)))
    const counts = await client.resource.bulkUpdate(
      { resources: customers(250) },
      { chunkSize: 100, returnResources: false },
    )
    expect(counts).toEqual({ count: 250 })
    expect(peer.requests.map((r) => r.headers.prefer)).toEqual(Array(3).fill('return=minimal'))
    await client.resource.bulkUpdate({ resources: customers(1) })
    expect(peer.requests.at(-1)?.headers.prefer).toBeUndefined()
  })

  test('counts from the chunks are added up; one chunk answered with resources leaves only the count', async () => {
    const minimal = (req: Recorded) => {
      const n = (req.body as { resources: unknown[] }).resources.length
      return { count: n, created: n - 2, updated: 1, unchanged: 1 }
    }
    const { client } = await serve((req, res) => json(res, 200, minimal(req)))
    expect(
      await client.resource.bulkUpdate(
        { resources: customers(250) },
        { chunkSize: 100, returnResources: false },
      ),
    ).toEqual({ count: 250, created: 244, updated: 3, unchanged: 3 })
    await peer?.close()
    const mixed = await serve((req, res) => json(res, 200, firstId(req) === 100 ? stored(req) : minimal(req)))
    expect(
      await mixed.client.resource.bulkUpdate(
        { resources: customers(250) },
        { chunkSize: 100, returnResources: false },
      ),
    ).toEqual({ count: 250 })
  })

  test('an empty array sends nothing', async () => {
    const { peer, client } = await serve((req, res) => json(res, 200, stored(req)))
    const progress: BulkProgress[] = []
    await expect(
      client.resource.bulkUpdate({ resources: [] }, { onProgress: (p) => progress.push(p) }),
    ).resolves.toEqual({ resources: [] })
    expect(peer.requests).toHaveLength(0)
    expect(progress).toHaveLength(0)
  })

  test('with concurrent chunks, uploaded stops at the first unconfirmed chunk so resuming skips nothing', async () => {
    const { peer, client } = await serve(async (req, res) => {
      if (firstId(req) === 0) return json(res, 400, errorBody('INVALID_ARGUMENT', 'bad'))
      await sleep(30)
      json(res, 200, stored(req))
    })
    const error = await client.resource
      .bulkUpdate({ resources: customers(400) }, { chunkSize: 100, concurrency: 2 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as IndentError).uploaded).toBe(0)
    expect(peer.requests.map(firstId)).toEqual([0, 100])
  })

  test('retries a failed chunk on its own; a caller idempotencyKey gets a per-chunk suffix', async () => {
    let failedOnce = false
    const { peer, client } = await serve((req, res) => {
      if (firstId(req) === 100 && !failedOnce) {
        failedOnce = true
        return json(res, 503, errorBody('UNAVAILABLE', 'busy'), { 'retry-after': '0' })
      }
      json(res, 200, stored(req))
    })
    const result = await client.resource.bulkUpdate(
      { resources: customers(200) },
      { chunkSize: 100, concurrency: 1, idempotencyKey: 'sync-7' },
    )
    expect(result.resources).toHaveLength(200)
    expect(peer.requests.map((r) => [firstId(r), r.headers['idempotency-key']])).toEqual([
      [0, 'sync-7:0'],
      [100, 'sync-7:1'],
      [100, 'sync-7:1'],
    ])
  })

  test('rejects a chunkSize above the contract limit or a bad concurrency', async () => {
    const { peer, client } = await serve((req, res) => json(res, 200, stored(req)))
    await expect(
      client.resource.bulkUpdate({ resources: customers(1) }, { chunkSize: 100_001 }),
    ).rejects.toBeInstanceOf(IndentError)
    await expect(
      client.resource.bulkUpdate({ resources: customers(1) }, { concurrency: 0 }),
    ).rejects.toBeInstanceOf(IndentError)
    expect(peer.requests).toHaveLength(0)
  })
})
