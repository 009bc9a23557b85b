import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { json, type Peer, startPeer } from '../../api/test/peer.js'
import { ApprovalInvalidError, approval, getErrorKind } from '../src/index.js'

// The kit's default client is created once per process (per module graph); vitest gives each test
// file its own, so these tests share one default client, fresh at the start, and run in order.
const ENV_KEYS = ['INDENT_API_TOKEN', 'INDENT_SPACE', 'INDENT_API_URL'] as const
const saved: Record<string, string | undefined> = {}
let peer: Peer

beforeAll(async () => {
  for (const key of ENV_KEYS) {
    saved[key] = process.env[key]
    delete process.env[key]
  }
  peer = await startPeer((_req, res) =>
    json(res, 200, {
      status: 'granted',
      petition: {
        name: 'p1',
        spaceName: 'env-space',
        meta: {},
        petitioners: [],
        resources: [],
        state: { status: { phase: 'granted' }, eventHistory: [] },
      },
    }),
  )
})

afterAll(async () => {
  await peer.close()
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key]
    else process.env[key] = saved[key]
  }
})

const request = {
  petitioners: [{ kind: 'user', id: 'u1', email: 'jane@example.com' }],
  resources: [{ kind: 'customer', id: 'cus_1' }],
}

describe('configuration from the environment', () => {
  test('without INDENT_API_TOKEN, approval() rejects as `invalid`, naming the variable', async () => {
    const err = await approval(request).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApprovalInvalidError)
    expect(getErrorKind(err)).toBe('invalid')
    expect(String((err as Error).message)).toMatch(/INDENT_API_TOKEN/)
    expect(peer.requests).toHaveLength(0)
  })

  test('without a space, or with a URL that is not one, approval() rejects as `invalid` and sends nothing', async () => {
    const noSpace = await approval(request, { apiToken: 'tok' }).catch((e: unknown) => e)
    expect(getErrorKind(noSpace)).toBe('invalid')
    expect(String((noSpace as Error).message)).toMatch(/INDENT_SPACE/)
    const badUrl = await approval(request, {
      apiToken: 'tok',
      spaceName: 's',
      baseURL: 'localhost:4100/v1',
    }).catch((e: unknown) => e)
    expect(getErrorKind(badUrl)).toBe('invalid')
    expect(String((badUrl as Error).message)).toMatch(/INDENT_API_URL/)
    expect(peer.requests).toHaveLength(0)
  })

  test('reads INDENT_API_TOKEN, INDENT_SPACE and INDENT_API_URL on first use', async () => {
    process.env.INDENT_API_TOKEN = 'env-token'
    process.env.INDENT_SPACE = 'env-space'
    process.env.INDENT_API_URL = peer.baseURL
    const petition = await approval(request)
    expect(petition.name).toBe('p1')
    expect(peer.requests[0]?.url).toBe('/v1/spaces/env-space/approvals:check')
    expect(peer.requests[0]?.headers.authorization).toBe('Bearer env-token')
    expect(peer.requests[0]?.headers['indent-space']).toBe('env-space')
  })

  test('keeps the one client it created for the rest of the process', async () => {
    process.env.INDENT_API_TOKEN = 'rotated-token'
    process.env.INDENT_SPACE = 'other-space'
    await approval(request)
    expect(peer.requests[1]?.url).toBe('/v1/spaces/env-space/approvals:check')
    expect(peer.requests[1]?.headers.authorization).toBe('Bearer env-token')
  })

  test('options override the environment for one call without replacing the shared client', async () => {
    await approval(request, { spaceName: 'per-call' })
    await approval(request)
    expect(peer.requests.slice(2).map((r) => [r.url, r.headers.authorization])).toEqual([
      // Unset options still come from the (now rotated) environment.
      ['/v1/spaces/per-call/approvals:check', 'Bearer rotated-token'],
      ['/v1/spaces/env-space/approvals:check', 'Bearer env-token'],
    ])
  })
})
