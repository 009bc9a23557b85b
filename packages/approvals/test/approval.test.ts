import {
  APIError,
  AuthenticationError,
  BadRequestError,
  IndentAPI,
  InternalServerError,
  type Petition,
  type Phase,
} from '@openindent/api'
import { ERROR_STATUS, ERROR_TYPE, type ErrorCode } from '@openindent/contract'
import { afterEach, describe, expect, test } from 'vitest'
import {
  errorBody,
  json,
  type Peer,
  RecordingIndentAPI,
  refusedBaseURL,
  startPeer,
} from '../../api/test/peer.js'
import {
  ApprovalDeniedError,
  ApprovalError,
  type ApprovalErrorKind,
  ApprovalInvalidError,
  ApprovalUnauthorizedError,
  ApprovalUnavailableError,
  ApprovalWaitingError,
  approval,
  getErrorKind,
} from '../src/index.js'

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

/** A peer answering the approval check as the server does, and a client pointed at it. */
async function serve(handler: Parameters<typeof startPeer>[0], apiToken = 'oi_sa_service') {
  peer = await startPeer(handler)
  const client = new RecordingIndentAPI({ apiToken, spaceName: 'acme', baseURL: peer.baseURL })
  return { peer, client }
}

function answering(status: 'granted' | 'waiting' | 'denied', extra: Record<string, unknown> = {}) {
  const phase: Phase = status === 'granted' ? 'granted' : status === 'waiting' ? 'open' : 'closed'
  return serve((_req, res) => json(res, 200, { status, petition: petition('p1', phase), ...extra }))
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256' })}.${part(payload)}.c2ln`
}

const user = { id: 'u1', email: 'jane@example.com' }
const request = {
  petitioners: [{ kind: 'user', id: user.id, email: user.email }],
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

describe('approval() outcomes', () => {
  test('granted resolves with the petition; one check with the default 10 s wait', async () => {
    const { peer, client } = await answering('granted', { expireTime: '2030-01-01T00:00:00Z' })
    const result = await approval(request, { client })
    expect(result.name).toBe('p1')
    expect(result.state.status.phase).toBe('granted')
    expect(peer.requests).toHaveLength(1)
    expect([peer.requests[0]?.method, peer.requests[0]?.url]).toEqual([
      'POST',
      '/v1/spaces/acme/approvals:check',
    ])
    expect(peer.requests[0]?.body).toEqual({ ...request, wait: 10 })
  })

  test('waiting throws ApprovalWaitingError carrying the open petition', async () => {
    const { client } = await answering('waiting')
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalWaitingError)
    expect(err).toBeInstanceOf(ApprovalError)
    expect(getErrorKind(err)).toBe('waiting')
    expect((err as ApprovalWaitingError).petition.state.status.phase).toBe('open')
  })

  test('denied throws ApprovalDeniedError with the reason', async () => {
    const { client } = await answering('denied', { reason: 'not on call' })
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalDeniedError)
    expect(getErrorKind(err)).toBe('denied')
    expect((err as ApprovalDeniedError).reason).toBe('not on call')
    expect((err as ApprovalDeniedError).petition.name).toBe('p1')
    expect((err as Error).message).toContain('not on call')
  })

  test('an unknown status from a newer server is an ApprovalError of kind unknown', async () => {
    const { client } = await serve((_req, res) =>
      json(res, 200, { status: 'escalated', petition: petition('p1', 'open') }),
    )
    const err = await caught(approval(request, { client }))
    expect(err).toBeInstanceOf(ApprovalError)
    expect(getErrorKind(err)).toBe('unknown')
  })

  test('the guide step 4 code works unchanged', async () => {
    const outcomes: Array<'granted' | 'waiting' | 'denied'> = ['waiting', 'denied', 'granted']
    const { peer, client } = await serve((_req, res, attempt) => {
      const status = outcomes[attempt] ?? 'granted'
      json(res, 200, { status, petition: petition('p1', status === 'granted' ? 'granted' : 'open') })
    })
    // The guide configures the kit through INDENT_* variables; here the same code gets the client.
    async function requestCustomerAccess(customerId: string) {
      try {
        await approval(
          {
            petitioners: [{ kind: 'user', id: user.id, email: user.email }],
            resources: [{ kind: 'customer', id: customerId }],
          },
          { client },
        )
        return { ok: true }
      } catch (err) {
        switch (getErrorKind(err)) {
          case 'waiting':
            return { ok: false, status: 'waiting' }
          case 'denied':
            return { ok: false, status: 'denied' }
        }
        return { ok: false, status: 'unknown' }
      }
    }
    expect(await requestCustomerAccess('cus_9')).toEqual({ ok: false, status: 'waiting' })
    expect(await requestCustomerAccess('cus_9')).toEqual({ ok: false, status: 'denied' })
    expect(await requestCustomerAccess('cus_9')).toEqual({ ok: true })
    expect(peer.requests.map((r) => (r.body as typeof request).resources)).toEqual([
      [{ kind: 'customer', id: 'cus_9' }],
      [{ kind: 'customer', id: 'cus_9' }],
      [{ kind: 'customer', id: 'cus_9' }],
    ])
  })
})

describe('approval() request', () => {
  test('wait: 0 sends 0; reason and duration are passed on, milliseconds as a Go duration', async () => {
    const { peer, client } = await answering('granted')
    await approval({ ...request, wait: 0, reason: 'ticket 812', duration: 90 * 60_000 }, { client })
    await approval({ ...request, wait: 30, duration: '2h' }, { client })
    expect(peer.requests.map((r) => r.body)).toEqual([
      { ...request, reason: 'ticket 812', duration: '1h30m0s', wait: 0 },
      { ...request, duration: '2h', wait: 30 },
    ])
  })

  test('without petitioners, a user access token requests for its own user', async () => {
    const { peer, client } = await answering('granted')
    const userClient = new IndentAPI({
      apiToken: jwt({ sub: 'jane@example.com' }),
      spaceName: 'acme',
      baseURL: client.baseURL,
    })
    await approval({ resources: request.resources }, { client: userClient })
    expect(peer.requests[0]?.body).toEqual({
      petitioners: [{ kind: 'user', email: 'jane@example.com' }],
      resources: request.resources,
      wait: 10,
    })
  })

  test('rejects bad arguments as invalid without sending', async () => {
    const { peer, client } = await answering('granted')
    const bad: unknown[] = [
      { resources: [] },
      { petitioners: [], resources: request.resources },
      { ...request, wait: 31 },
      { ...request, wait: -1 },
      { ...request, wait: '10' },
      { ...request, duration: 'soon' },
      { ...request, duration: 0 },
      { ...request, reason: 42 },
      null,
      // A service-account token names no petitioner.
      { resources: request.resources },
    ]
    for (const input of bad) {
      const err = await caught(approval(input as Parameters<typeof approval>[0], { client }))
      expect(err, JSON.stringify(input)).toBeInstanceOf(ApprovalInvalidError)
      expect(getErrorKind(err)).toBe('invalid')
    }
    expect(peer.requests).toHaveLength(0)
  })

  test('apiToken, spaceName and baseURL options configure a client for the call', async () => {
    const { peer } = await answering('granted')
    await approval(request, { apiToken: 'opt-token', spaceName: 'team one', baseURL: peer.baseURL })
    expect(peer.requests[0]?.url).toBe('/v1/spaces/team%20one/approvals:check')
    expect(peer.requests[0]?.headers.authorization).toBe('Bearer opt-token')
  })
})

describe('approval() failures', () => {
  test.each([
    [401, 'UNAUTHENTICATED', ApprovalUnauthorizedError, 'unauthorized', AuthenticationError],
    [403, 'PERMISSION_DENIED', ApprovalUnauthorizedError, 'unauthorized', undefined],
    [400, 'INVALID_ARGUMENT', ApprovalInvalidError, 'invalid', BadRequestError],
    [404, 'NOT_FOUND', ApprovalInvalidError, 'invalid', undefined],
    [409, 'CONFLICT', ApprovalInvalidError, 'invalid', undefined],
    [413, 'PAYLOAD_TOO_LARGE', ApprovalInvalidError, 'invalid', undefined],
    [418, 'TEAPOT', ApprovalError, 'unknown', undefined],
  ] as const)(
    'HTTP %i maps to its kind and keeps the SDK error as cause',
    async (status, code, Class, kind, Cause) => {
      // A newer server's code comes with a type this SDK may not know either.
      const type = code === 'TEAPOT' ? 'teapot_error' : ERROR_TYPE[code]
      const { peer, client } = await serve((_req, res) =>
        json(res, status, errorBody(code, 'nope', { type })),
      )
      const err = await caught(approval(request, { client }))
      expect(err).toBeInstanceOf(Class)
      expect(getErrorKind(err)).toBe(kind)
      expect((err as Error).cause).toMatchObject({ status, code })
      if (Cause) expect((err as Error).cause).toBeInstanceOf(Cause)
      // Client errors are not retried.
      expect(peer.requests).toHaveLength(1)
    },
  )

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

  test('an aborted call is an ApprovalError of kind unknown', async () => {
    const { client } = await answering('granted')
    const err = await caught(approval(request, { client, signal: AbortSignal.abort() }))
    expect(err).toBeInstanceOf(ApprovalError)
    expect(getErrorKind(err)).toBe('unknown')
  })
})

describe('getErrorKind', () => {
  test('is unknown for anything that is not an approval or API error', () => {
    expect(getErrorKind(new Error('x'))).toBe('unknown')
    expect(getErrorKind('str')).toBe('unknown')
    expect(getErrorKind(undefined)).toBe('unknown')
    expect(getErrorKind(null)).toBe('unknown')
    expect(getErrorKind({ kind: 'waiting' })).toBe('unknown')
    expect(getErrorKind(new ApprovalError('x'))).toBe('unknown')
  })

  test('reads the kind of an approval error from another copy of the package', () => {
    const foreign = Object.assign(new Error('pending'), { name: 'ApprovalWaitingError', kind: 'waiting' })
    expect(getErrorKind(foreign)).toBe('waiting')
    const bogus = Object.assign(new Error('x'), { name: 'ApprovalError', kind: 'exploded' })
    expect(getErrorKind(bogus)).toBe('unknown')
  })

  test.each([
    ['INVALID_ARGUMENT', 'invalid'],
    ['UNAUTHENTICATED', 'unauthorized'],
    ['PERMISSION_DENIED', 'unauthorized'],
    ['NOT_FOUND', 'invalid'],
    ['METHOD_NOT_ALLOWED', 'invalid'],
    ['ALREADY_EXISTS', 'invalid'],
    ['CONFLICT', 'invalid'],
    ['PAYLOAD_TOO_LARGE', 'invalid'],
    ['UNSUPPORTED_MEDIA_TYPE', 'invalid'],
    ['RATE_LIMITED', 'unavailable'],
    ['INTERNAL', 'unavailable'],
    ['UNAVAILABLE', 'unavailable'],
  ] as const satisfies readonly (readonly [ErrorCode, ApprovalErrorKind])[])(
    'the SDK error for code %s is %s',
    (code, kind) => {
      const body = { error: { code, message: 'x', type: ERROR_TYPE[code], requestId: 'req_1' } }
      expect(getErrorKind(APIError.generate(ERROR_STATUS[code], body, undefined))).toBe(kind)
    },
  )

  test("a proxy's 408 is unavailable; a status without a class is unknown", () => {
    expect(getErrorKind(APIError.generate(408, '', undefined))).toBe('unavailable')
    expect(getErrorKind(APIError.generate(418, '', undefined))).toBe('unknown')
  })

  test('classifies SDK errors thrown by direct client calls', () => {
    expect(getErrorKind(new AuthenticationError(401, {}, undefined))).toBe('unauthorized')
    expect(getErrorKind(new BadRequestError(400, {}, undefined))).toBe('invalid')
    expect(getErrorKind(new InternalServerError(500, {}, undefined))).toBe('unavailable')
  })
})
