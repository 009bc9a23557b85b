/**
 * Go duration strings, as Indent's labels carry them: `1h`, `90m`, `3h0m0s`, `1.5h`, `-1ns` (until
 * revoked). This module imports nothing, so clients load it (`@openindent/contract/duration`) without
 * the contract's zod schemas.
 */

/** Nanoseconds per unit, exactly: parsing in integers avoids `1.1s` becoming 1100.0000000000002 ms. */
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}
const PART = /(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/y
const NS_PER_MS = 1_000_000n
/** Go's limit: a duration is an int64 of nanoseconds (about 292 years). */
const MAX_NS = 2n ** 63n - 1n

/**
 * The finest duration OpenIndent keeps: times are stored as whole epoch milliseconds, so a duration
 * with a finer part (`1ns`, `1.5ms`) is refused rather than rounded. `-1ns` is the exception that is
 * not a length at all: Indent's label for "until revoked".
 */
export const DURATION_GRANULARITY_MS = 1

/** A Go duration read exactly: its milliseconds, and whether that is a whole number of them. */
export interface ParsedDuration {
  /** Milliseconds; fractional when `whole` is false. Negative means indefinite where that is allowed. */
  ms: number
  /** True when the duration is a whole number of milliseconds ({@link DURATION_GRANULARITY_MS}). */
  whole: boolean
}

/**
 * A Go duration string read exactly, as Go's `time.ParseDuration` does (including its limit of about
 * 292 years), or undefined when it is not one.
 *
 * @example
 * ```ts
 * parseDuration('1.1s') // { ms: 1100, whole: true }
 * parseDuration('1.5ms') // { ms: 1.5, whole: false }
 * parseDuration('soon') // undefined
 * ```
 */
export function parseDuration(text: string): ParsedDuration | undefined {
  let s = text.trim()
  let sign = 1n
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1n
    s = s.slice(1)
  }
  if (s === '0') return { ms: 0, whole: true }
  if (s === '') return undefined
  // The exact value is numerator / 10^scale nanoseconds; each part is brought to the same scale.
  let numerator = 0n
  let scale = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex
    const m = PART.exec(s)
    if (!m || m.index !== start) return undefined
    const [, int = '', frac = '', unit = ''] = m
    if (int === '' && frac === '') return undefined
    const unitNs = UNIT_NS[unit]
    if (unitNs === undefined) return undefined
    if (frac.length > scale) {
      numerator *= 10n ** BigInt(frac.length - scale)
      scale = frac.length
    }
    numerator += BigInt(`${int}${frac}` || '0') * unitNs * 10n ** BigInt(scale - frac.length)
    // Past Go's int64 limit: an error in Go, and more than any Date can hold here.
    if (numerator > MAX_NS * 10n ** BigInt(scale)) return undefined
  }
  const divisor = 10n ** BigInt(scale) * NS_PER_MS
  const whole = numerator % divisor === 0n
  const ms = whole ? Number(numerator / divisor) : Number(numerator) / Number(divisor)
  return { ms: sign < 0n && ms !== 0 ? -ms : ms, whole }
}

/**
 * True for a positive Go duration with a part finer than a millisecond (`1ns`, `1.5ms`), which
 * OpenIndent refuses. Not for text that is no duration, nor for negative ones (`-1ns`: until revoked).
 */
export function isFinerThanGranularity(text: string): boolean {
  const d = parseDuration(text)
  return d !== undefined && !d.whole && d.ms > 0
}

/**
 * Milliseconds of a Go duration string, or undefined when it is not one. Negative means indefinite.
 * Exact for whole milliseconds; see {@link parseDuration} to tell a finer duration apart.
 *
 * @example
 * ```ts
 * parseGoDuration('3h0m0s') // 10800000
 * parseGoDuration('1h30m') // 5400000
 * parseGoDuration('soon') // undefined
 * ```
 */
export function parseGoDuration(text: string): number | undefined {
  return parseDuration(text)?.ms
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
