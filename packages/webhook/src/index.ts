import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header that carries the hex HMAC-SHA256 signature. */
export const SIGNATURE_HEADER = 'X-Indent-Signature'
/** The header that carries the RFC 3339 time the call was signed at. */
export const TIMESTAMP_HEADER = 'X-Indent-Timestamp'
/** How far a call's timestamp may be from the receiver's clock unless told otherwise: 5 minutes. */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000

/** A body as sent: the exact text, or an object that is `JSON.stringify`'d (as Indent's package does). */
export type Body = string | object

/** Headers as Node.js and most frameworks give them; names are matched case-insensitively. */
export type Headers = Record<string, string | string[] | undefined> | globalThis.Headers

export interface VerifyOptions {
  /** The webhook's secret, as shown when it was created. */
  secret: string
  /** The raw request body. Pass the exact text received: re-serialized JSON may differ by a byte. */
  body: Body
  /** The request headers; or give `timestamp` and `signature` directly. */
  headers?: Headers
  timestamp?: string
  signature?: string
  /**
   * Refuse calls whose timestamp is further than this from `now` (default 5 minutes), so a recorded
   * call cannot be replayed later. `Infinity` turns the check off, as Indent's own package has none.
   */
  toleranceMs?: number
  /** The receiver's clock, epoch milliseconds (default `Date.now()`); for tests. */
  now?: number
  /** Throw on a bad signature (the default, as in `@indent/webhook`); false returns `false` instead. */
  throwError?: boolean
}

/** Why a call was refused; `message` is safe to log, it never contains the secret. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(`@openindent/webhook: verify(): ${message}`)
    this.name = 'WebhookVerificationError'
  }
}

/** The text that is signed: `v0:{timestamp}:{body}`. */
export function getSignaturePayload(opts: { timestamp: string; body: Body }): string {
  const text = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
  return `v0:${opts.timestamp}:${text}`
}

/** Hex HMAC-SHA256 of `payload` with `secret`; the same answer as `@indent/webhook`'s `sign`. */
export async function sign(opts: { secret: string; payload: string }): Promise<string> {
  return signSync(opts.secret, opts.payload)
}

function signSync(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex')
}

/**
 * The two headers for an outgoing call with `body`, signed at `at` (default now). Senders use it; it is
 * how OpenIndent signs every webhook call.
 */
export function signatureHeaders(opts: { secret: string; body: Body; at?: Date }): Record<string, string> {
  const timestamp = (opts.at ?? new Date()).toISOString()
  return {
    [SIGNATURE_HEADER]: signSync(opts.secret, getSignaturePayload({ timestamp, body: opts.body })),
    [TIMESTAMP_HEADER]: timestamp,
  }
}

/**
 * Checks that a call was signed with `secret` and recently. Resolves `true`; on a bad, missing or stale
 * signature it throws a `WebhookVerificationError`, or resolves `false` with `throwError: false`. The
 * signatures are compared in constant time.
 */
export async function verify(opts: VerifyOptions): Promise<boolean> {
  const problem = check(opts)
  if (problem === undefined) return true
  if (opts.throwError === false) return false
  throw new WebhookVerificationError(problem)
}

function check(opts: VerifyOptions): string | undefined {
  if (!opts.secret) return 'missing secret'
  const timestamp = opts.timestamp ?? header(opts.headers, TIMESTAMP_HEADER)
  const signature = opts.signature ?? header(opts.headers, SIGNATURE_HEADER)
  if (!timestamp) return `missing ${TIMESTAMP_HEADER}`
  if (!signature) return `missing ${SIGNATURE_HEADER}`
  const at = Date.parse(timestamp)
  if (Number.isNaN(at)) return `${TIMESTAMP_HEADER} is not a time`
  const tolerance = opts.toleranceMs ?? DEFAULT_TOLERANCE_MS
  if (Math.abs((opts.now ?? Date.now()) - at) > tolerance)
    return `${TIMESTAMP_HEADER} is outside the tolerance`
  const expected = Buffer.from(
    signSync(opts.secret, getSignaturePayload({ timestamp, body: opts.body })),
    'hex',
  )
  const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : undefined
  if (!given || !timingSafeEqual(expected, given)) return 'invalid signature'
  return undefined
}

function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined
  if (typeof (headers as globalThis.Headers).get === 'function') {
    return (headers as globalThis.Headers).get(name) ?? undefined
  }
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === lower) return Array.isArray(value) ? value[0] : value
  }
  return undefined
}

export default { sign, verify, getSignaturePayload, signatureHeaders }
