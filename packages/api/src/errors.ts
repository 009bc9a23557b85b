import type { ErrorBody, ErrorCode, ErrorType } from '@openindent/contract'

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
   * Prefer {@link APIError.generate}, which picks the subclass for the status.
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
   * Builds the error for a response: one class per status, {@link APIConnectionError} without one.
   *
   * @example
   * ```ts
   * const err = APIError.generate(404, { error: { code: 'NOT_FOUND', message: 'no such resource' } }, undefined)
   * err instanceof NotFoundError // true
   * err.message // '404 no such resource'
   * ```
   */
  static generate(status: number | undefined, body: unknown, headers: Headers | undefined): APIError {
    if (status === undefined)
      return new APIConnectionError({ message: describe(status, envelopeOf(body), body) })
    const ErrorClass = errorClassFor(status)
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
 * 400: the request is malformed; `param` names the offending field.
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
 * 401: the token is missing, expired, revoked or unknown.
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
 * 403: the token is valid but its roles do not allow this call in this space.
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
 * 404: the space or object does not exist (or is not visible to this token).
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
 * 413: the request body is too large; send fewer items per request.
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
 * 422: the request is well-formed but cannot be processed.
 *
 * @example
 * ```ts
 * if (err instanceof UnprocessableEntityError) console.error(err.code, err.message)
 * ```
 */
export class UnprocessableEntityError extends APIError {
  override readonly name: string = 'UnprocessableEntityError'
}

/**
 * 429: too many requests. Retried automatically (honouring `Retry-After`) before it is thrown.
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
 * 500 and above: the server failed. Retried automatically before it is thrown.
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

const STATUS_CLASSES: Record<number, APIErrorClass> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
}

function errorClassFor(status: number): APIErrorClass {
  if (status >= 500) return InternalServerError
  return STATUS_CLASSES[status] ?? APIError
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
