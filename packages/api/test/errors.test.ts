import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  IndentAPI,
  IndentError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from '../src/index.js'
import { json, type Peer, startPeer } from './peer.js'

const CASES = [
  {
    status: 400,
    code: 'INVALID_ARGUMENT',
    type: 'invalid_request_error',
    Class: BadRequestError,
    param: 'resource.kind',
  },
  { status: 401, code: 'UNAUTHENTICATED', type: 'authentication_error', Class: AuthenticationError },
  { status: 403, code: 'PERMISSION_DENIED', type: 'permission_error', Class: PermissionDeniedError },
  { status: 404, code: 'NOT_FOUND', type: 'not_found_error', Class: NotFoundError },
  { status: 409, code: 'ALREADY_EXISTS', type: 'conflict_error', Class: ConflictError },
  { status: 413, code: 'PAYLOAD_TOO_LARGE', type: 'invalid_request_error', Class: PayloadTooLargeError },
  { status: 422, code: 'INVALID_ARGUMENT', type: 'invalid_request_error', Class: UnprocessableEntityError },
  { status: 429, code: 'RATE_LIMITED', type: 'rate_limit_error', Class: RateLimitError },
  { status: 500, code: 'INTERNAL', type: 'api_error', Class: InternalServerError },
  { status: 503, code: 'UNAVAILABLE', type: 'api_error', Class: InternalServerError },
] as const

let peer: Peer
beforeAll(async () => {
  // The status to answer is the last path segment: GET /v1/status/404 answers 404.
  peer = await startPeer((req, res) => {
    const status = Number(req.url.split('/').pop())
    const found = CASES.find((c) => c.status === status)
    if (!found) return json(res, 200, {})
    json(
      res,
      status,
      {
        error: {
          code: found.code,
          message: `failed with ${found.code}`,
          type: found.type,
          requestId: `req_${status}`,
          ...('param' in found ? { param: found.param } : {}),
        },
      },
      { 'x-should-retry': 'false' },
    )
  })
})
afterAll(() => peer.close())

describe('error envelope', () => {
  test.each(CASES)('$status answers $Class.name with code, type, param and requestId', async (c) => {
    const client = new IndentAPI({ apiToken: 'tok', baseURL: peer.baseURL })
    const error = await client
      .request({ method: 'GET', path: `/status/${c.status}` })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(c.Class)
    expect(error).toBeInstanceOf(APIError)
    expect(error).toBeInstanceOf(IndentError)
    const apiError = error as APIError
    expect(apiError.status).toBe(c.status)
    expect(apiError.code).toBe(c.code)
    expect(apiError.type).toBe(c.type)
    expect(apiError.param).toBe('param' in c ? c.param : undefined)
    expect(apiError.requestId).toBe(`req_${c.status}`)
    expect(apiError.message).toBe(`${c.status} failed with ${c.code}`)
    expect(apiError.name).toBe(c.Class.name)
    expect(apiError.error?.code).toBe(c.code)
    expect(apiError.headers?.get('content-type')).toBe('application/json')
  })
})

describe('APIError.generate', () => {
  test('a status without its own class is a plain APIError', () => {
    const error = APIError.generate(405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'no' } }, undefined)
    expect(error.constructor).toBe(APIError)
    expect(error.code).toBe('METHOD_NOT_ALLOWED')
    expect(error.message).toBe('405 no')
  })

  test('a body without the envelope still yields a useful message and the request id header', () => {
    const headers = new Headers({ 'x-request-id': 'req_hdr' })
    const html = APIError.generate(502, '<html>Bad Gateway</html>', headers)
    expect(html).toBeInstanceOf(InternalServerError)
    expect(html.message).toBe('502 <html>Bad Gateway</html>')
    expect(html.code).toBeUndefined()
    expect(html.requestId).toBe('req_hdr')

    expect(APIError.generate(400, { detail: 'x' }, undefined).message).toBe('400 {"detail":"x"}')
    expect(APIError.generate(500, '', undefined).message).toBe('500 status code (no body)')
  })

  test('no status means no response: a connection error', () => {
    const error = APIError.generate(undefined, undefined, undefined)
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error.status).toBeUndefined()
  })
})
