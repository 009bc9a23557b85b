import { MAX_WAIT_SECONDS } from '@openindent/contract/wait'

/**
 * Longest wait, in seconds, the server holds an approval check or a petition wait open.
 *
 * @example
 * ```ts
 * await client.petition.check({ resources, wait: MAX_WAIT_SECONDS })
 * ```
 */
export { MAX_WAIT_SECONDS }

/**
 * Time a long-poll's HTTP timeout allows beyond the wait it asks the server for, so that a slow answer
 * sent at the very end of the wait still arrives.
 *
 * @example
 * ```ts
 * // A check that waits 10 s is given at least 20 s before it times out.
 * const minimum = 10 * 1000 + LONG_POLL_MARGIN_MS
 * ```
 */
export const LONG_POLL_MARGIN_MS = 10_000

/**
 * Whether `wait` is a number of seconds the server will hold a long-poll for: 0 to
 * {@link MAX_WAIT_SECONDS}.
 *
 * @example
 * ```ts
 * isWaitSeconds(10) // true
 * isWaitSeconds(31) // false
 * ```
 */
export function isWaitSeconds(wait: unknown): wait is number {
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 && wait <= MAX_WAIT_SECONDS
}
