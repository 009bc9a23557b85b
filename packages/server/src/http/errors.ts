import { ERROR_STATUS, ERROR_TYPE, type ErrorCode, type ErrorEnvelope } from '@openindent/contract'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ZodError } from 'zod'
import { DomainError, RateLimitedError } from '../domain/errors.js'

/** A domain-level failure that the HTTP layer itself detects (body too large, bad JSON, …). */
export function httpError(code: ErrorCode, message: string, param?: string): DomainError {
  return new DomainError(code, message, param)
}

export function envelope(code: ErrorCode, message: string, requestId: string, param?: string): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = { code, message, type: ERROR_TYPE[code], requestId }
  if (param !== undefined) error.param = param
  return { error }
}

/** Seconds a client should wait before retrying an answer that a retry can change, unless told otherwise. */
const RETRY_AFTER_SECONDS = 1

/**
 * Sends the error envelope with the retry verdict Indent's SDK reads: `x-should-retry: false` on every
 * answer a retry cannot change (without it, Indent's client retries a 409 three times), `true` plus
 * `Retry-After` where waiting helps (429, 503). A handler that knows better (a 409 for an idempotency
 * key still in progress) sets the header before calling this.
 */
export function sendError(c: Context, code: ErrorCode, message: string, param?: string): Response {
  const requestId = c.get('requestId') ?? ''
  const status = ERROR_STATUS[code]
  if (code === 'RATE_LIMITED' || code === 'UNAVAILABLE') {
    c.header('x-should-retry', 'true')
    if (!c.res.headers.has('retry-after')) c.header('retry-after', String(RETRY_AFTER_SECONDS))
  } else if (status < 500 && !c.res.headers.has('x-should-retry')) {
    c.header('x-should-retry', 'false')
  }
  return c.json(envelope(code, message, requestId, param), status as ContentfulStatusCode)
}

/** The first issue of a zod error as a code, message and dotted param path. */
export function fromZod(err: ZodError, prefix?: string): DomainError {
  const issue = err.issues[0]
  // An unknown field is reported at the field itself, not at the object that holds it.
  const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : []
  const path = [prefix, ...(issue?.path ?? []).map(String), ...extra].filter(Boolean).join('.')
  const where = path ? `${path}: ` : ''
  return new DomainError(
    'INVALID_ARGUMENT',
    `${where}${issue?.message ?? 'invalid request'}`,
    path || undefined,
  )
}

/**
 * Maps anything thrown to a response. Domain errors carry their code; everything else is a bug or an
 * outage: logged in full, answered with a bare INTERNAL and the request id, never with its text.
 */
export function handleError(err: unknown, c: Context): Response {
  if (err instanceof RateLimitedError) c.header('retry-after', String(err.retryAfterSeconds))
  if (err instanceof DomainError) return sendError(c, err.code, err.message, err.param)
  if (err instanceof ZodError) {
    const e = fromZod(err)
    return sendError(c, e.code, e.message, e.param)
  }
  if (err instanceof RequestAbortedError) {
    // Nobody is left to answer (Node has already sent 408 and closed the connection when it timed
    // the request out): noted, not reported as a failure of the server.
    c.get('logger')?.info(
      { requestId: c.get('requestId') },
      'request body not received: the client stalled or left',
    )
    return c.body(null, 408)
  }
  c.get('logger')?.error({ err, requestId: c.get('requestId') }, 'unhandled error')
  return sendError(c, 'INTERNAL', 'internal error; quote the requestId when reporting it')
}

/** The request body never arrived whole: the client disconnected or was timed out while sending it. */
export class RequestAbortedError extends Error {
  constructor(cause: unknown) {
    super('the client stopped sending the request body', { cause })
    this.name = 'RequestAbortedError'
  }
}
