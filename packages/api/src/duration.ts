import { formatGoDuration, parseGoDuration } from '@openindent/contract/duration'
import { IndentError } from './errors.js'

export { formatGoDuration, parseGoDuration }

/**
 * Whether `value` is a positive duration as the SDK accepts one: a Go duration string (`'1h'`, `'90m'`)
 * or a number of milliseconds.
 *
 * @example
 * ```ts
 * isPositiveDuration('1h') // true
 * isPositiveDuration(90 * 60_000) // true
 * isPositiveDuration('-1ns') // false: negative means indefinite, which is asked for separately
 * ```
 */
export function isPositiveDuration(value: unknown): value is string | number {
  const ms = typeof value === 'string' ? parseGoDuration(value) : value
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0
}

/**
 * A positive duration given as a Go duration string or as milliseconds, as the Go duration string the
 * wire carries. A string is sent as written (trimmed) once it parses; a number is formatted. Throws
 * {@link IndentError} for anything else, naming `what` in the message.
 *
 * @example
 * ```ts
 * toGoDuration('1h', 'duration') // '1h'
 * toGoDuration(90 * 60_000, 'duration') // '1h30m0s'
 * toGoDuration(0, 'duration') // throws IndentError
 * ```
 */
export function toGoDuration(value: string | number, what: string): string {
  if (isPositiveDuration(value)) return typeof value === 'number' ? formatGoDuration(value) : value.trim()
  throw new IndentError(
    `${what} must be a positive Go duration string (such as "1h" or "30m") or a positive number of ` +
      `milliseconds, got ${JSON.stringify(value)}`,
  )
}
