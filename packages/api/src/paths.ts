import { IndentError } from './errors.js'

/**
 * The path of a space, `/spaces/{space}`, with the name encoded as one segment.
 *
 * @example
 * ```ts
 * spacePath('team one') // '/spaces/team%20one'
 * ```
 */
export function spacePath(space: string): string {
  return `/spaces/${pathSegment(space, 'spaceName')}`
}

/**
 * Encodes `value` as one path segment. URL parsing resolves `.` and `..` segments (also
 * percent-encoded), so such a name would silently address a different path, e.g.
 * `DELETE /spaces/acme/resources/..` would hit `/spaces/acme`; those and empty names throw.
 *
 * @example
 * ```ts
 * pathSegment('a/b c', 'resourceName') // 'a%2Fb%20c'
 * pathSegment('..', 'resourceName') // throws IndentError
 * ```
 */
export function pathSegment(value: string, what: string): string {
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
    throw new IndentError(
      `${what} must be a non-empty string other than "." and "..", got ${JSON.stringify(value)}`,
    )
  }
  return encodeURIComponent(value)
}
