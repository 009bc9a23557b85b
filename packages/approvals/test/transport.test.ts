import { InternalServerError, type Petition, type Phase } from '@openindent/api'
import { afterEach, describe, expect, test } from 'vitest'
import {
  errorBody,
  json,
  type Peer,
  RecordingIndentAPI,
  refusedBaseURL,
  startPeer,
} from '../../api/test/peer.js'
import { ApprovalError, ApprovalUnavailableError, approval, getErrorKind } from '../src/index.js'

// approval() against answers a real server does not give on demand: statuses and codes from a newer
// server, runs of 5xx and 429, and no server at all. approval.test.ts runs everything else against the
// server.

let peer: Peer | undefined
afterEach(async () => {
  await peer?.close()
  peer = undefined
})

function petition(name: string, phase: Phase): Petition {
  return {
    name,
    spaceName: 'acme',
    meta: { labels: {} },
    petitioners: [{ kind: 'user', id: 'u1', email: 'jane@example.com' }],
    resources: [{ kind: 'customer', id: 'cus_1' }],
    state: { status: { phase }, eventHistory: [] },
  }
}

async function serve(handler: Parameters<typeof startPeer>[0]) {
  peer = await startPeer(handler)
  const client = new RecordingIndentAPI({
    apiToken: 'oi_sa_service',
    spaceName: 'acme',
    baseURL: peer.baseURL,
  })
  return { peer, client }
}

const request = {
  petitioners: [{ kind: 'user', id: 'u1', email: 'jane@example.com' }],
  resources: [{ kind: 'customer', id: 'cus_1' }],
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected the promise to reject')
}

describe('answers from a newer server', () => {
  test('an unknown check status is an ApprovalError of kind unknown', async () => {
    const { client } = await serve((_req, res) =>
      json(res, 200, { status: 'escalated', petition: petition('p1', 'open') }),
    )
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalError)
    expect(getErrorKind(err)).toBe('unknown')
  })

  test('an unknown status, code and type is an ApprovalError of kind unknown, with the SDK error as cause', async () => {
    const { peer, client } = await serve((_req, res) =>
      json(res, 418, errorBody('TEAPOT', 'short and stout', { type: 'teapot_error' })),
    )
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalError)
    expect(getErrorKind(err)).toBe('unknown')
    expect((err as Error).cause).toMatchObject({ status: 418, code: 'TEAPOT' })
    expect(peer.requests).toHaveLength(1)
  })
})

describe('an unavailable server', () => {
  test('503 after the SDK retries is unavailable', async () => {
    const { peer, client } = await serve((_req, res) => json(res, 503, errorBody('UNAVAILABLE', 'down')))
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalUnavailableError)
    expect(getErrorKind(err)).toBe('unavailable')
    expect((err as Error).cause).toBeInstanceOf(InternalServerError)
    expect(peer.requests).toHaveLength(3)
    // The retries reuse one idempotency key: one logical check.
    expect(new Set(peer.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1)
  })

  test('429 is unavailable; a 502 followed by a successful retry resolves', async () => {
    const { client } = await serve((_req, res) => json(res, 429, errorBody('RATE_LIMITED', 'slow down')))
    expect(getErrorKind(await caught(approval(request, { client, maxRetries: 0 })))).toBe('unavailable')
    await peer?.close()
    const flaky = await serve((_req, res, attempt) =>
      attempt === 0
        ? json(res, 502, {})
        : json(res, 200, { status: 'granted', petition: petition('p1', 'granted') }),
    )
    await expect(approval(request, { client: flaky.client })).resolves.toMatchObject({ name: 'p1' })
  })

  test('a refused connection is unavailable', async () => {
    const client = new RecordingIndentAPI({
      apiToken: 'tok',
      spaceName: 'acme',
      baseURL: await refusedBaseURL(),
    })
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalUnavailableError)
    expect(getErrorKind(err)).toBe('unavailable')
    expect(client.delays).toHaveLength(2)
  })
})
