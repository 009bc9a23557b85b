import { ERROR_CODES, ERROR_STATUS, ERROR_TYPE, type ErrorCode } from '@openindent/contract'
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
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnsupportedMediaTypeError,
} from '../src/index.js'
import { ENGINES, type LiveServer, startLiveServer, unique } from './live-server.js'

const CLASS_OF_CODE: Record<ErrorCode, typeof APIError> = {
  INVALID_ARGUMENT: BadRequestError,
  UNAUTHENTICATED: AuthenticationError,
  PERMISSION_DENIED: PermissionDeniedError,
  NOT_FOUND: NotFoundError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  ALREADY_EXISTS: ConflictError,
  CONFLICT: ConflictError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  UNSUPPORTED_MEDIA_TYPE: UnsupportedMediaTypeError,
  RATE_LIMITED: RateLimitError,
  INTERNAL: InternalServerError,
  UNAVAILABLE: InternalServerError,
}

function envelope(code: string, type: string, extra: Record<string, string> = {}) {
  return { error: { code, message: `failed with ${code}`, type, requestId: 'req_1', ...extra } }
}

describe('APIError.generate', () => {
  test.each(ERROR_CODES)('the envelope code %s picks its class', (code) => {
    const status = ERROR_STATUS[code]
    const headers = new Headers({ 'content-type': 'application/json' })
    const error = APIError.generate(status, envelope(code, ERROR_TYPE[code], { param: 'a.b' }), headers)
    expect(error.constructor).toBe(CLASS_OF_CODE[code])
    expect(error).toBeInstanceOf(IndentError)
    expect(error.name).toBe(CLASS_OF_CODE[code].name)
    expect(error.status).toBe(status)
    expect(error.code).toBe(code)
    expect(error.type).toBe(ERROR_TYPE[code])
    expect(error.param).toBe('a.b')
    expect(error.requestId).toBe('req_1')
    expect(error.message).toBe(`${status} failed with ${code}`)
    expect(error.headers).toBe(headers)
  })

  test('the code decides, not the status', () => {
    expect(APIError.generate(400, envelope('NOT_FOUND', 'not_found_error'), undefined)).toBeInstanceOf(
      NotFoundError,
    )
  })

  test("a newer server's unknown code falls back to its type, and to a plain APIError without one", () => {
    const gone = APIError.generate(410, envelope('GONE', 'not_found_error'), undefined)
    expect(gone).toBeInstanceOf(NotFoundError)
    expect(gone.code).toBe('GONE')
    const strange = APIError.generate(400, envelope('STRANGE', 'strange_error'), undefined)
    expect(strange.constructor).toBe(APIError)
    // Names of Object.prototype members are codes like any other unknown one.
    expect(APIError.generate(400, envelope('constructor', 'toString'), undefined).constructor).toBe(APIError)
  })

  test('without an envelope, the status picks the class, for the statuses the server sends', () => {
    for (const code of ERROR_CODES) {
      const status = ERROR_STATUS[code]
      expect(APIError.generate(status, '', undefined).constructor, String(status)).toBe(CLASS_OF_CODE[code])
    }
    const proxy = APIError.generate(502, '<html>Bad Gateway</html>', new Headers({ 'x-request-id': 'req_h' }))
    expect(proxy).toBeInstanceOf(InternalServerError)
    expect(proxy.message).toBe('502 <html>Bad Gateway</html>')
    expect(proxy.code).toBeUndefined()
    expect(proxy.requestId).toBe('req_h')
    // An `error` that is not the server's envelope (no string code) is judged by the status too.
    expect(APIError.generate(504, { error: { message: 'upstream timed out' } }, undefined)).toBeInstanceOf(
      InternalServerError,
    )
    for (const status of [418, 422]) {
      expect(APIError.generate(status, '', undefined).constructor, String(status)).toBe(APIError)
    }
  })

  test('a body without the envelope still yields a useful message', () => {
    expect(APIError.generate(400, { detail: 'x' }, undefined).message).toBe('400 {"detail":"x"}')
    expect(APIError.generate(500, '', undefined).message).toBe('500 status code (no body)')
  })

  test('no status means no response: a connection error', () => {
    const error = APIError.generate(undefined, undefined, undefined)
    expect(error).toBeInstanceOf(APIConnectionError)
    expect(error.status).toBeUndefined()
  })

  test('every class is also a static of IndentAPI', () => {
    for (const Class of new Set(Object.values(CLASS_OF_CODE))) {
      expect(IndentAPI[Class.name as keyof typeof IndentAPI], Class.name).toBe(Class)
    }
  })
})

describe.each(ENGINES)('errors the server answers on %s', (engine) => {
  let server: LiveServer
  let client: IndentAPI

  beforeAll(async () => {
    // The smallest body limit the server takes, so that a 413 needs only one small request.
    server = await startLiveServer(engine, { OPENINDENT_MAX_BODY_BYTES: '1024' })
    client = server.client({ maxRetries: 0 })
  })
  afterAll(() => server.close())

  /** The error a call rejects with, checked against the envelope the server sent. */
  async function failure(call: Promise<unknown>, code: ErrorCode): Promise<APIError> {
    const error = await call.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CLASS_OF_CODE[code])
    const apiError = error as APIError
    expect(apiError.code).toBe(code)
    expect(apiError.status).toBe(ERROR_STATUS[code])
    expect(apiError.type).toBe(ERROR_TYPE[code])
    expect(apiError.message).toMatch(new RegExp(`^${ERROR_STATUS[code]} .+`))
    expect(apiError.requestId).toBeTruthy()
    expect(apiError.requestId).toBe(apiError.headers?.get('x-request-id'))
    return apiError
  }

  test('400 INVALID_ARGUMENT is BadRequestError, naming the field', async () => {
    const error = await failure(
      client.resource.create({ resource: { kind: 'k'.repeat(300), id: 'x' } }),
      'INVALID_ARGUMENT',
    )
    expect(error.param).toBe('resource.kind')
  })

  test('401 UNAUTHENTICATED is AuthenticationError', async () => {
    await failure(server.client({ apiToken: 'oi_sa_unknown' }).resource.list(), 'UNAUTHENTICATED')
  })

  test('403 PERMISSION_DENIED is PermissionDeniedError', async () => {
    const viewer = server.client({ apiToken: await server.serviceAccountToken(unique('viewer'), ['viewer']) })
    await failure(
      viewer.resource.create({ resource: { kind: 'customer', id: unique('cus') } }),
      'PERMISSION_DENIED',
    )
  })

  test('404 NOT_FOUND is NotFoundError, for an object and for a route', async () => {
    await failure(client.resource.get({ resourceName: 'missing' }), 'NOT_FOUND')
    await failure(client.request({ method: 'GET', path: '/nowhere' }), 'NOT_FOUND')
  })

  test('409 ALREADY_EXISTS and CONFLICT are ConflictError', async () => {
    const resource = { kind: 'customer', id: unique('cus') }
    await client.resource.create({ resource })
    await failure(client.resource.create({ resource }), 'ALREADY_EXISTS')
    const petitioners = [{ kind: 'user', email: `${unique('user')}@example.com` }]
    const petition = await client.petition.create({ petitioners, resources: [resource] })
    await client.petition.close({ petitionName: petition.name })
    const reviewer = server.client({ apiToken: server.adminToken, maxRetries: 0 })
    await failure(reviewer.petition.deny({ petitionName: petition.name }), 'CONFLICT')
  })

  test('413 PAYLOAD_TOO_LARGE is PayloadTooLargeError', async () => {
    const resource = { kind: 'customer', id: unique('cus'), displayName: 'x'.repeat(2000) }
    await failure(client.resource.create({ resource }), 'PAYLOAD_TOO_LARGE')
  })

  test('415 UNSUPPORTED_MEDIA_TYPE is UnsupportedMediaTypeError', async () => {
    const call = client.request({
      method: 'POST',
      path: `/spaces/${server.space}/resources`,
      body: { resource: { kind: 'customer', id: unique('cus') } },
      headers: { 'Content-Type': 'text/plain' },
    })
    await failure(call, 'UNSUPPORTED_MEDIA_TYPE')
  })
})
