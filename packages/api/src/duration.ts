import { formatGoDuration, parseGoDuration } from '@openindent/contract/duration'
import { IndentError } from './errors.js'

export { formatGoDuration, parseGoDuration }

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
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return formatGoDuration(value)
  } else if (typeof value === 'string') {
    const ms = parseGoDuration(value)
    if (ms !== undefined && ms > 0) return value.trim()
  }
  throw new IndentError(
    `${what} must be a positive Go duration string (such as "1h" or "30m") or a positive number of ` +
      `milliseconds, got ${JSON.stringify(value)}`,
  )
}
