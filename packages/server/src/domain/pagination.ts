import { PAGE_SIZE_DEFAULT } from '@openindent/contract'
import { invalid } from './errors.js'

/** Page tokens are opaque to clients: base64url JSON of the last row's sort key. */
export function encodePageToken(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

export function decodePageToken<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (token === undefined || token === '') return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
    if (check(value)) return value
  } catch {
    // fall through: any unreadable token is the client's error
  }
  throw invalid(
    'pageToken is not valid: pass back the nextPageToken of the previous page unchanged',
    'pageToken',
  )
}

export const isString = (v: unknown): v is string => typeof v === 'string'
export const isStringPair = (v: unknown): v is [string, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string'

/** Fetches one row more than asked to learn whether another page exists. */
export async function page<T>(
  pageSize: number | undefined,
  fetch: (limit: number) => Promise<T[]>,
  keyOf: (last: T) => unknown,
): Promise<{ items: T[]; nextPageToken?: string }> {
  const size = pageSize ?? PAGE_SIZE_DEFAULT
  const rows = await fetch(size + 1)
  if (rows.length <= size) return { items: rows }
  const items = rows.slice(0, size)
  return { items, nextPageToken: encodePageToken(keyOf(items[items.length - 1] as T)) }
}
