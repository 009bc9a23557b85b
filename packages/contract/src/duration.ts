/**
 * Go duration strings, as Indent's labels carry them: `1h`, `90m`, `3h0m0s`, `1.5h`, `-1ns` (until
 * revoked). This module imports nothing, so clients load it (`@openindent/contract/duration`) without
 * the contract's zod schemas.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y

/**
 * Milliseconds of a Go duration string, or undefined when it is not one. Negative means indefinite.
 *
 * @example
 * ```ts
 * parseGoDuration('3h0m0s') // 10800000
 * parseGoDuration('1h30m') // 5400000
 * parseGoDuration('soon') // undefined
 * ```
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text.trim()
  let sign = 1
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1
    s = s.slice(1)
  }
  if (s === '0') return 0
  if (s === '') return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex
    const m = PART.exec(s)
    if (!m || m.index !== start) return undefined
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN)
  }
  return Number.isFinite(total) ? sign * total : undefined
}

/**
 * Formats milliseconds as Go does (`3h0m0s`, `1m30s`, `500ms`, `0s`), the form Indent's
 * `indent.com/time/duration` label carries.
 *
 * @example
 * ```ts
 * formatGoDuration(3 * 60 * 60 * 1000) // '3h0m0s'
 * formatGoDuration(90_000) // '1m30s'
 * ```
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  if (rest < 1000) return `${sign}${rest}ms`
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const m = Math.floor(rest / 60_000)
  rest -= m * 60_000
  const s = rest / 1000
  if (h > 0) return `${sign}${h}h${m}m${s}s`
  if (m > 0) return `${sign}${m}m${s}s`
  return `${sign}${s}s`
}

/** A duration as `@indent/types` declares it. `seconds` may arrive as a string, as proto3 JSON writes int64. */
export interface ProtoDuration {
  seconds: number | string
  nanos?: number
}

/**
 * Milliseconds of a `{ seconds, nanos }` duration, or undefined when it is not a whole number of
 * milliseconds (durations are kept to the millisecond) or not a number at all.
 *
 * @example
 * ```ts
 * protoDurationMs({ seconds: 3600, nanos: 0 }) // 3600000
 * protoDurationMs({ seconds: '1', nanos: 500_000_000 }) // 1500
 * ```
 */
export function protoDurationMs(d: ProtoDuration): number | undefined {
  const seconds = typeof d.seconds === 'string' ? Number(d.seconds) : d.seconds
  const nanos = d.nanos ?? 0
  if (!Number.isSafeInteger(seconds) || !Number.isSafeInteger(nanos) || nanos % 1_000_000 !== 0)
    return undefined
  const ms = seconds * 1000 + nanos / 1_000_000
  return Number.isSafeInteger(ms) ? ms : undefined
}

/**
 * Formats milliseconds as proto3 JSON writes a Duration (`3600s`, `1.5s`), the form Indent's API
 * answers `defaultDuration` in.
 *
 * @example
 * ```ts
 * formatProtoDuration(3_600_000) // '3600s'
 * formatProtoDuration(1500) // '1.5s'
 * ```
 */
export function formatProtoDuration(ms: number): string {
  return `${ms / 1000}s`
}
