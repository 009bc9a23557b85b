import { describe, expect, test } from 'vitest'
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  BadRequestError,
  ConflictError,
  IndentAPI,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from '../src/index.js'
import { computeRetryDelay, parseRetryAfter, shouldRetry } from '../src/retry.js'
import { errorBody, json, type Peer, RecordingIndentAPI, refusedBaseURL, startPeer } from './peer.js'

async function withPeer(handler: Parameters<typeof startPeer>[0], run: (peer: Peer) => Promise<void>) {
  const peer = await startPeer(handler)
  try {
    await run(peer)
  } finally {
    await peer.close()
  }
}

function client(baseURL: string, maxRetries = 2) {
  return new RecordingIndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL, maxRetries })
}

describe('retry policy', () => {
  test('shouldRetry: 408, 429, 5xx; 409 only when the server says so; x-should-retry wins', () => {
    const none = new Headers()
    for (const status of [408, 429, 500, 502, 503]) expect(shouldRetry(status, none)).toBe(true)
    for (const status of [400, 401, 403, 404, 409, 413, 422]) expect(shouldRetry(status, none)).toBe(false)
    expect(shouldRetry(409, new Headers({ 'x-should-retry': 'true' }))).toBe(true)
    expect(shouldRetry(503, new Headers({ 'x-should-retry': 'false' }))).toBe(false)
  })

  test('parseRetryAfter: seconds or HTTP date, ignored beyond 60 s or when unparsable', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('2', now)).toBe(2000)
    expect(parseRetryAfter('1.5', now)).toBe(1500)
    expect(parseRetryAfter('60', now)).toBe(60_000)
    expect(parseRetryAfter('61', now)).toBeUndefined()
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:05:00 GMT', now)).toBeUndefined()
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })

  test('computeRetryDelay: exponential from 0.5 s, capped at 8 s, minus at most 25% jitter', () => {
    const noJitter = () => 0
    const fullJitter = () => 0.999999
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => computeRetryDelay(n, null, noJitter))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ])
    expect(computeRetryDelay(0, null, fullJitter)).toBeCloseTo(375, 0)
    expect(computeRetryDelay(6, null, fullJitter)).toBeCloseTo(6000, 0)
    expect(computeRetryDelay(3, '1', fullJitter)).toBe(1000)
    expect(computeRetryDelay(0, '120', noJitter)).toBe(500)
  })
})

describe('retries over HTTP', () => {
  test('retries a 503 and succeeds, reusing one Idempotency-Key for every POST attempt', async () => {
    await withPeer(
      (_req, res, attempt) =>
        attempt < 2 ? json(res, 503, errorBody('UNAVAILABLE', 'busy')) : json(res, 200, { name: 'r1' }),
      async (peer) => {
        const api = client(peer.baseURL)
        const created = await api.resource.create({ resource: { kind: 'customer', id: 'cus_1' } })
        expect(created).toEqual({ name: 'r1' })
        expect(peer.requests).toHaveLength(3)
        const keys = peer.requests.map((r) => r.headers['idempotency-key'])
        expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
        expect(new Set(keys).size).toBe(1)
        expect(api.delays).toHaveLength(2)
        expect(api.delays[0]).toBeGreaterThanOrEqual(375)
        expect(api.delays[0]).toBeLessThanOrEqual(500)
        expect(api.delays[1]).toBeGreaterThanOrEqual(750)
        expect(api.delays[1]).toBeLessThanOrEqual(1000)

        await api.resource.create({ resource: { kind: 'customer', id: 'cus_2' } })
        expect(peer.requests[3]?.headers['idempotency-key']).not.toBe(keys[0])
      },
    )
  })

  test('a caller-supplied idempotencyKey is sent on every attempt', async () => {
    await withPeer(
      (_req, res, attempt) =>
        attempt === 0 ? json(res, 500, errorBody('INTERNAL', 'oops')) : json(res, 200, {}),
      async (peer) => {
        await client(peer.baseURL).resource.create(
          { resource: { kind: 'customer', id: 'cus_1' } },
          { idempotencyKey: 'import-42' },
        )
        expect(peer.requests.map((r) => r.headers['idempotency-key'])).toEqual(['import-42', 'import-42'])
      },
    )
  })

  test.each([
    [400, 'INVALID_ARGUMENT', BadRequestError],
    [404, 'NOT_FOUND', NotFoundError],
    [409, 'ALREADY_EXISTS', ConflictError],
  ] as const)('does not retry %i', async (status, code, Class) => {
    await withPeer(
      (_req, res) => json(res, status, errorBody(code, 'no')),
      async (peer) => {
        const error = await client(peer.baseURL)
          .resource.get({ resourceName: 'r1' })
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(Class)
        expect(peer.requests).toHaveLength(1)
      },
    )
  })

  test('retries a 409 the server marks with x-should-retry: true', async () => {
    await withPeer(
      (_req, res, attempt) =>
        attempt === 0
          ? json(res, 409, errorBody('CONFLICT', 'lock'), { 'x-should-retry': 'true' })
          : json(res, 200, { name: 'r1' }),
      async (peer) => {
        await expect(client(peer.baseURL).resource.get({ resourceName: 'r1' })).resolves.toEqual({
          name: 'r1',
        })
        expect(peer.requests).toHaveLength(2)
      },
    )
  })

  test('x-should-retry: false stops retries of a 503', async () => {
    await withPeer(
      (_req, res) => json(res, 503, errorBody('UNAVAILABLE', 'down'), { 'x-should-retry': 'false' }),
      async (peer) => {
        await expect(client(peer.baseURL).resource.list()).rejects.toBeInstanceOf(InternalServerError)
        expect(peer.requests).toHaveLength(1)
      },
    )
  })

  test('honours Retry-After, for real, without a test hook', async () => {
    await withPeer(
      (_req, res, attempt) =>
        attempt < 2
          ? json(res, 429, errorBody('RATE_LIMITED', 'slow down'), { 'retry-after': '0' })
          : json(res, 200, { resources: [] }),
      async (peer) => {
        const api = new IndentAPI({ apiToken: 'tok', spaceName: 'acme', baseURL: peer.baseURL })
        await expect(api.resource.list()).resolves.toEqual({ resources: [] })
        expect(peer.requests).toHaveLength(3)
      },
    )
  })

  test('the delay follows Retry-After seconds and HTTP dates, and backs off when it exceeds 60 s', async () => {
    const retryAfter = ['2', new Date(Date.now() + 10_000).toUTCString(), '3600']
    await withPeer(
      (_req, res, attempt) =>
        attempt < 3
          ? json(res, 429, errorBody('RATE_LIMITED', 'slow down'), {
              'retry-after': retryAfter[attempt] ?? '',
            })
          : json(res, 200, {}),
      async (peer) => {
        const api = client(peer.baseURL, 3)
        await api.resource.get({ resourceName: 'r1' })
        expect(api.delays[0]).toBe(2000)
        expect(api.delays[1]).toBeGreaterThan(8_000)
        expect(api.delays[1]).toBeLessThanOrEqual(10_000)
        expect(api.delays[2]).toBeGreaterThanOrEqual(1500)
        expect(api.delays[2]).toBeLessThanOrEqual(2000)
      },
    )
  })

  test('gives up after maxRetries with the last error', async () => {
    await withPeer(
      (_req, res) => json(res, 429, errorBody('RATE_LIMITED', 'slow down'), { 'retry-after': '0' }),
      async (peer) => {
        const error = await client(peer.baseURL, 2)
          .resource.list({}, { maxRetries: 1 })
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(RateLimitError)
        expect(peer.requests).toHaveLength(2)
      },
    )
  })

  test('a stalled response times out with APIConnectionTimeoutError, after retrying', async () => {
    await withPeer(
      () => {},
      async (peer) => {
        const api = client(peer.baseURL, 1)
        const started = Date.now()
        const error = await api.resource.list({}, { timeout: 50 }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(APIConnectionTimeoutError)
        expect(peer.requests).toHaveLength(2)
        expect(Date.now() - started).toBeLessThan(1000)
      },
    )
  })

  test('a body that stalls after the headers also times out', async () => {
    await withPeer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"resources":')
      },
      async (peer) => {
        const error = await client(peer.baseURL, 0)
          .resource.list({}, { timeout: 100 })
          .catch((e: unknown) => e)
        expect(error).toBeInstanceOf(APIConnectionTimeoutError)
      },
    )
  })

  test('a refused connection throws APIConnectionError after its retries', async () => {
    const api = client(await refusedBaseURL(), 2)
    const error = await api.resource.list().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error).not.toBeInstanceOf(APIConnectionTimeoutError)
    expect((error as Error).cause).toBeDefined()
    expect(api.delays).toHaveLength(2)
  })

  test('aborting through signal rejects with APIUserAbortError and stops retrying', async () => {
    await withPeer(
      (_req, res) => json(res, 503, errorBody('UNAVAILABLE', 'down')),
      async (peer) => {
        const api = client(peer.baseURL, 5)
        api.scale = 10
        const controller = new AbortController()
        const started = Date.now()
        const pending = api.resource.list({}, { signal: controller.signal }).catch((e: unknown) => e)
        await new Promise((resolve) => setTimeout(resolve, 50))
        controller.abort()
        expect(await pending).toBeInstanceOf(APIUserAbortError)
        // The first wait is at least 3.75 s here: rejecting sooner shows the wait itself was cut short.
        expect(Date.now() - started).toBeLessThan(1000)
        expect(peer.requests).toHaveLength(1)
      },
    )
  })
})
