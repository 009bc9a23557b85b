/**
 * Longest `Retry-After` the SDK waits for; a longer one is treated as absent and normal backoff applies,
 * so one misconfigured header cannot park a call for an hour.
 *
 * @example
 * ```ts
 * parseRetryAfter(String(MAX_RETRY_AFTER_MS / 1000 + 1)) // undefined
 * ```
 */
export const MAX_RETRY_AFTER_MS = 60_000
/**
 * First backoff delay; doubled on each retry.
 *
 * @example
 * ```ts
 * computeRetryDelay(0, null, () => 0) === INITIAL_RETRY_DELAY_MS // true
 * ```
 */
export const INITIAL_RETRY_DELAY_MS = 500
/**
 * Cap on the backoff delay.
 *
 * @example
 * ```ts
 * computeRetryDelay(10, null, () => 0) === MAX_RETRY_DELAY_MS // true
 * ```
 */
export const MAX_RETRY_DELAY_MS = 8_000

/**
 * Whether a failed response is worth another attempt.
 *
 * - `x-should-retry` is the server's explicit verdict and wins both ways, so the server can stop a
 *   retry storm (`false`) or flag a transient conflict such as a lost lock race (`true`).
 * - 408, 429 and 5xx are transient by definition: the same request can succeed later.
 * - 409 is not retried by default, unlike Indent's client: OpenIndent answers 409 for `ALREADY_EXISTS`
 *   and `CONFLICT`, decisions that repeating the request cannot change. Indent retried it because its
 *   backend used 409 for lock timeouts; OpenIndent says `x-should-retry: true` for those instead.
 * - Other 4xx mean the request itself is wrong; repeating it only adds load.
 *
 * @example
 * ```ts
 * shouldRetry(503, new Headers()) // true
 * shouldRetry(409, new Headers({ 'x-should-retry': 'true' })) // true
 * shouldRetry(503, new Headers({ 'x-should-retry': 'false' })) // false
 * ```
 */
export function shouldRetry(status: number, headers: Headers): boolean {
  const verdict = headers.get('x-should-retry')
  if (verdict === 'true') return true
  if (verdict === 'false') return false
  return status === 408 || status === 429 || status >= 500
}

/**
 * Milliseconds a `Retry-After` header asks for (delay-seconds or HTTP-date), or `undefined` when it is
 * absent, unparsable, or longer than {@link MAX_RETRY_AFTER_MS}.
 *
 * @example
 * ```ts
 * parseRetryAfter('2') // 2000
 * parseRetryAfter(new Date(Date.now() + 5_000).toUTCString()) // about 5000
 * parseRetryAfter('3600') // undefined: too long, back off instead
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  let ms: number
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000
  else {
    const date = Date.parse(trimmed)
    if (Number.isNaN(date)) return undefined
    ms = Math.max(0, date - now)
  }
  return ms <= MAX_RETRY_AFTER_MS ? ms : undefined
}

/**
 * Delay before retry number `retriesDone + 1`: the server's `Retry-After` when it is reasonable,
 * otherwise exponential backoff (0.5 s · 2^n, capped at 8 s) minus up to 25% jitter, so that clients
 * failing together do not come back together.
 *
 * @example
 * ```ts
 * computeRetryDelay(0, null) // 375..500
 * computeRetryDelay(3, null) // 3000..4000
 * computeRetryDelay(0, '1') // 1000
 * ```
 */
export function computeRetryDelay(
  retriesDone: number,
  retryAfter: string | null | undefined,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const requested = parseRetryAfter(retryAfter, now)
  if (requested !== undefined) return requested
  const backoff = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retriesDone, MAX_RETRY_DELAY_MS)
  return backoff * (1 - random() * 0.25)
}
