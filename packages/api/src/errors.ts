import type { ErrorBody, ErrorCode, ErrorType } from '@openindent/contract'
import { ERROR_STATUS } from '@openindent/contract/errors'

/**
 * An error code as the server sent it: one of the contract's {@link ErrorCode}s, typed open so that a
 * newer server's code still reaches the caller instead of being dropped.
 *
 * @example
 * ```ts
 * const retryable = (code: APIErrorCode | undefined) => code === 'UNAVAILABLE' || code === 'RATE_LIMITED'
 * ```
 */
export type APIErrorCode = ErrorCode | (string & Record<never, never>)

/**
 * Base class of every error the SDK throws. Branch on the subclass or on `code`, never on `message`.
 *
 * @example
 * ```ts
 * try {
 *   await client.resource.get({ resourceName: 'e843ad66' })
 * } catch (err) {
 *   if (err instanceof IndentError) console.error('OpenIndent call failed:', err.message)
 * }
 * ```
 */
export class IndentError extends Error {
  override readonly name: string = 'IndentError'
  /**
   * Set on errors from chunked bulk calls (`bulkUpdate`, `bulkDelete`): how many leading input items
   * the server confirmed before the failure, so `items.slice(err.uploaded)` resumes the upload.
   */
  uploaded?: number
}

/**
 * The client is set up wrongly: no API token, no space, a `baseURL` that is not a URL, or an option
 * `IndentAPI` does not know. Thrown before any request is sent; `option` names the setting to fix, so a
 * tool can say which flag or environment variable sets it.
 *
 * @example
 * ```ts
 * try {
 *   new IndentAPI({ token: 'tok' } as ClientOptions)
 * } catch (err) {
 *   if (err instanceof IndentConfigError) console.error(`fix ${err.option}: ${err.message}`)
 * }
 * ```
 */
export class IndentConfigError extends IndentError {
  override readonly name: string = 'IndentConfigError'
  /** The client option at fault: `apiToken`, `spaceName`, `baseURL`, or an unknown option's name. */
  readonly option: string

  constructor(option: string, message: string) {
    super(message)
    this.option = option
  }
}

/**
 * An error answered by the server (`status` is set), or a failure to get an answer (`status` is
 * `undefined`: see {@link APIConnectionError}). Fields come from the error envelope
 * `{ "error": { "code", "message", "type", "param"?, "requestId" } }`.
 *
 * @example
 * ```ts
 * try {
 *   await client.resource.create({ resource: { kind: 'customer', id: '' } })
 * } catch (err) {
 *   if (err instanceof APIError && err.code === 'INVALID_ARGUMENT') console.error(err.param, err.requestId)
 * }
 * ```
 */
export class APIError extends IndentError {
  override readonly name: string = 'APIError'
  /** HTTP status, `undefined` when no response arrived. */
  readonly status: number | undefined
  /** Response headers, `undefined` when no response arrived. */
  readonly headers: Headers | undefined
  /** The envelope's `error` object, when the server sent one. */
  readonly error: ErrorBody | undefined
  /** Stable machine-readable code such as `NOT_FOUND`. */
  readonly code: APIErrorCode | undefined
  /** The request field the error is about, as a dotted path (`resources.3.kind`). */
  readonly param: string | undefined
  /** Error category such as `invalid_request_error`. */
  readonly type: ErrorType | undefined
  /** The server's id for the request; quote it when reporting a problem. */
  readonly requestId: string | undefined

  /**
   * Prefer {@link APIError.generate}, which picks the subclass for the error.
   *
   * @example
   * ```ts
   * const err = new APIError(418, { error: { code: 'TEAPOT', message: 'short and stout' } }, undefined)
   * err.message // '418 short and stout'
   * ```
   */
  constructor(
    status: number | undefined,
    body: unknown,
    headers: Headers | undefined,
    message?: string,
    options?: ErrorOptions,
  ) {
    const error = envelopeOf(body)
    super(message ?? describe(status, error, body), options)
    this.status = status
    this.headers = headers
    this.error = error
    this.code = error?.code
    this.param = error?.param
    this.type = error?.type
    this.requestId = error?.requestId ?? headers?.get('x-request-id') ?? undefined
  }

  /**
   * Builds the error for a response, as stripe-node does: the class follows the envelope's `code`,
   * else its `type` (a newer server's code still lands in its category), and the HTTP status only
   * when no envelope came (a proxy's answer). An envelope naming neither a known code nor a known
   * type gives a plain {@link APIError}; no status at all gives {@link APIConnectionError}.
   *
   * @example
   * ```ts
   * const body = { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send JSON' } }
   * const err = APIError.generate(415, body, undefined)
   * err instanceof UnsupportedMediaTypeError // true
   * err.message // '415 send JSON'
   * APIError.generate(502, '<html>Bad Gateway</html>', undefined) instanceof InternalServerError // true
   * ```
   */
  static generate(status: number | undefined, body: unknown, headers: Headers | undefined): APIError {
    const error = envelopeOf(body)
    if (status === undefined) return new APIConnectionError({ message: describe(status, error, body) })
    // Only the server's envelope has a string `code`; a proxy's `{ "error": … }` is judged by its status.
    const ErrorClass =
      error !== undefined && typeof error.code === 'string' ? classOfEnvelope(error) : classOfStatus(status)
    return new ErrorClass(status, body, headers)
  }
}

/**
 * No response arrived: DNS failure, refused or reset connection. Retried automatically before it is thrown.
 *
 * @example
 * ```ts
 * try {
 *   await client.resource.list()
 * } catch (err) {
 *   if (err instanceof APIConnectionError) console.error('server unreachable:', err.cause)
 * }
 * ```
 */
export class APIConnectionError extends APIError {
  override readonly name: string = 'APIConnectionError'

  constructor({ message, cause }: { message?: string; cause?: unknown } = {}) {
    super(
      undefined,
      undefined,
      undefined,
      message ?? 'Connection error.',
      cause === undefined ? undefined : { cause },
    )
  }
}

/**
 * The request took longer than `timeout` ms. Retried automatically before it is thrown.
 *
 * @example
 * ```ts
 * try {
 *   await client.resource.list({}, { timeout: 5_000 })
 * } catch (err) {
 *   if (err instanceof APIConnectionTimeoutError) console.error('timed out')
 * }
 * ```
 */
export class APIConnectionTimeoutError extends APIConnectionError {
  override readonly name: string = 'APIConnectionTimeoutError'

  constructor({ message }: { message?: string } = {}) {
    super({ message: message ?? 'Request timed out.' })
  }
}

/**
 * The caller's `signal` aborted the request. Never retried.
 *
 * @example
 * ```ts
 * const controller = new AbortController()
 * const pending = client.resource.list({}, { signal: controller.signal })
 * controller.abort()
 * await pending.catch((err) => err instanceof APIUserAbortError) // true
 * ```
 */
export class APIUserAbortError extends APIError {
  override readonly name: string = 'APIUserAbortError'

  constructor({ message }: { message?: string } = {}) {
    super(undefined, undefined, undefined, message ?? 'Request was aborted.')
  }
}

/**
 * 400 `INVALID_ARGUMENT`: the request is malformed; `param` names the offending field.
 *
 * @example
 * ```ts
 * if (err instanceof BadRequestError) console.error(`fix ${err.param}: ${err.message}`)
 * ```
 */
export class BadRequestError extends APIError {
  override readonly name: string = 'BadRequestError'
}

/**
 * 401 `UNAUTHENTICATED`: the token is missing, expired, revoked or unknown.
 *
 * @example
 * ```ts
 * if (err instanceof AuthenticationError) console.error('get a new token')
 * ```
 */
export class AuthenticationError extends APIError {
  override readonly name: string = 'AuthenticationError'
}

/**
 * 403 `PERMISSION_DENIED`: the token is valid but its roles do not allow this call in this space.
 *
 * @example
 * ```ts
 * if (err instanceof PermissionDeniedError) console.error('the service account needs a role')
 * ```
 */
export class PermissionDeniedError extends APIError {
  override readonly name: string = 'PermissionDeniedError'
}

/**
 * 404 `NOT_FOUND`: the space, object or route does not exist (or is not visible to this token).
 *
 * @example
 * ```ts
 * const resource = await client.resource.get({ resourceName }).catch((err) => {
 *   if (err instanceof NotFoundError) return null
 *   throw err
 * })
 * ```
 */
export class NotFoundError extends APIError {
  override readonly name: string = 'NotFoundError'
}

/**
 * 405 `METHOD_NOT_ALLOWED`: the path exists but not with this HTTP method.
 *
 * @example
 * ```ts
 * if (err instanceof MethodNotAllowedError) console.error('this server does not support', err.message)
 * ```
 */
export class MethodNotAllowedError extends APIError {
  override readonly name: string = 'MethodNotAllowedError'
}

/**
 * 409: the object already exists (`ALREADY_EXISTS`) or changed underneath the request (`CONFLICT`).
 *
 * @example
 * ```ts
 * if (err instanceof ConflictError && err.code === 'ALREADY_EXISTS') console.log('already there')
 * ```
 */
export class ConflictError extends APIError {
  override readonly name: string = 'ConflictError'
}

/**
 * 413 `PAYLOAD_TOO_LARGE`: the request body is too large; send fewer items per request.
 *
 * @example
 * ```ts
 * if (err instanceof PayloadTooLargeError) await client.resource.bulkUpdate({ resources }, { chunkSize: 200 })
 * ```
 */
export class PayloadTooLargeError extends APIError {
  override readonly name: string = 'PayloadTooLargeError'
}

/**
 * 415 `UNSUPPORTED_MEDIA_TYPE`: the request body was not sent as JSON, e.g. a `Content-Type` header
 * given in `headers` replaced the SDK's `application/json`.
 *
 * @example
 * ```ts
 * if (err instanceof UnsupportedMediaTypeError) console.error('send the body as application/json')
 * ```
 */
export class UnsupportedMediaTypeError extends APIError {
  override readonly name: string = 'UnsupportedMediaTypeError'
}

/**
 * 429 `RATE_LIMITED`: too many requests. Retried automatically (honouring `Retry-After`) before it is
 * thrown.
 *
 * @example
 * ```ts
 * if (err instanceof RateLimitError) console.error('retry after', err.headers?.get('retry-after'))
 * ```
 */
export class RateLimitError extends APIError {
  override readonly name: string = 'RateLimitError'
}

/**
 * 500 `INTERNAL` and 503 `UNAVAILABLE` (and any 5xx without an envelope, e.g. from a proxy): the server
 * failed or could not answer. Retried automatically before it is thrown.
 *
 * @example
 * ```ts
 * if (err instanceof InternalServerError) console.error('server failed, request id', err.requestId)
 * ```
 */
export class InternalServerError extends APIError {
  override readonly name: string = 'InternalServerError'
}

type APIErrorClass = new (status: number, body: unknown, headers: Headers | undefined) => APIError

// Records, so that a code or type added to the contract fails to compile until it has a class.
const CLASS_OF_CODE: Record<ErrorCode, APIErrorClass> = {
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

const CLASS_OF_TYPE: Record<ErrorType, APIErrorClass> = {
  invalid_request_error: BadRequestError,
  authentication_error: AuthenticationError,
  permission_error: PermissionDeniedError,
  not_found_error: NotFoundError,
  conflict_error: ConflictError,
  rate_limit_error: RateLimitError,
  api_error: InternalServerError,
}

// Maps rather than record lookups: the server's strings must not reach `Object.prototype` members.
const CODE_CLASSES = new Map<string, APIErrorClass>(Object.entries(CLASS_OF_CODE))
const TYPE_CLASSES = new Map<string, APIErrorClass>(Object.entries(CLASS_OF_TYPE))
// Derived from the contract, so only a status the server sends has a class of its own.
const STATUS_CLASSES = new Map<number, APIErrorClass>(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, CLASS_OF_CODE[code as ErrorCode]]),
)

function classOfEnvelope(error: ErrorBody): APIErrorClass {
  return CODE_CLASSES.get(error.code) ?? TYPE_CLASSES.get(error.type) ?? APIError
}

function classOfStatus(status: number): APIErrorClass {
  return STATUS_CLASSES.get(status) ?? (status >= 500 ? InternalServerError : APIError)
}

function envelopeOf(body: unknown): ErrorBody | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined
  return body.error as unknown as ErrorBody
}

function describe(status: number | undefined, error: ErrorBody | undefined, body: unknown): string {
  const detail =
    typeof error?.message === 'string'
      ? error.message
      : typeof body === 'string'
        ? body.slice(0, 500)
        : body === undefined || body === null
          ? ''
          : JSON.stringify(body)
  if (status === undefined) return detail || '(no status code or body)'
  return detail ? `${status} ${detail}` : `${status} status code (no body)`
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}
