import { IndentAPI } from '@openindent/api'
import { parseDuration } from '@openindent/contract'
import { type Command, InvalidArgumentError } from 'commander'

/** The flags of every command that goes through the HTTP API rather than the database. */
export interface ApiFlags {
  url?: string
  space?: string
  token?: string
}

/** A client configured like the SDK (INDENT_API_URL, INDENT_SPACE, INDENT_API_TOKEN), flags first. */
export function apiClient(o: ApiFlags): IndentAPI {
  return new IndentAPI({
    ...(o.url ? { baseURL: o.url } : {}),
    ...(o.space ? { spaceName: o.space } : {}),
    ...(o.token ? { apiToken: o.token } : {}),
  })
}

export function withApiOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'API base URL (env INDENT_API_URL, default http://localhost:4100/v1)')
    .option('--space <name>', 'space (env INDENT_SPACE)')
    .option('--token <token>', 'API token (env INDENT_API_TOKEN)')
}

/** Exit status of a usage error (a bad flag or argument), as Unix tools use it. */
export const USAGE_EXIT_CODE = 2

/**
 * A flag or argument value refused before anything is sent. Thrown from a commander argument parser:
 * commander prints `error: option '--x <n>' argument 'v' is invalid. <message>` and the CLI exits 2.
 */
export class UsageError extends InvalidArgumentError {
  constructor(message: string) {
    super(message)
    this.exitCode = USAGE_EXIT_CODE
  }
}

/** Refuses a combination of flags that each parsed fine: prints `error: <message>`, exits 2. */
export function usageError(cmd: Command, message: string): never {
  return cmd.error(`error: ${message}`, { exitCode: USAGE_EXIT_CODE, code: 'openindent.usage' })
}

/** An argument parser for a whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`expected a whole number from ${min} to ${max}`)
    }
    return n
  }
}

/** An argument parser that accepts one of `values`. */
export function oneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const found = values.find((v) => v === value)
    if (found === undefined) throw new UsageError(`expected one of ${values.join(', ')}`)
    return found
  }
}

/** An argument parser for a positive Go duration (`2h`, `90m`, `1h30m`); yields it as written. */
export function positiveGoDuration(value: string): string {
  const d = parseDuration(value)
  if (d === undefined || d.ms <= 0)
    throw new UsageError('expected a positive Go duration such as 2h, 90m or 1h30m')
  if (!d.whole) throw new UsageError('durations are whole milliseconds: a finer part is not accepted')
  return value.trim()
}

/** A value for one cell of a tab-separated line: tabs and line breaks become spaces. */
export function cell(value: string | number | undefined): string {
  return value === undefined ? '' : String(value).replace(/[\t\r\n]+/g, ' ')
}

/** A count as people read it: `1,000`. */
export const count = (n: number): string => n.toLocaleString('en-US')

/** `1 resource`, `2 resources`, `1,000 resources`. */
export const plural = (n: number, noun: string): string => `${count(n)} ${noun}${n === 1 ? '' : 's'}`
