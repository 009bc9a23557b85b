/**
 * Email addresses as OpenIndent accepts them wherever one enters (members, the CLI's `--user`, the
 * admin of a first run): stricter than RFC 5321 on purpose. An address names a user and appears in
 * URL paths (`/members/{email}`), logs and audit events, so anything that could read as a path, a
 * second address or hidden text is refused rather than stored.
 */

/** RFC 5321's limits: 64 for the local part, 254 for the whole address as it travels in a path. */
export const EMAIL_LOCAL_MAX = 64
export const EMAIL_MAX = 254

/** Letters, digits and `_ + - = '`, in runs joined by single dots: no slash, `%`, quotes or blanks. */
const LOCAL = /^[a-z0-9_+='-]+(\.[a-z0-9_+='-]+)*$/i
/** Host names: labels of letters, digits and inner dashes (63 at most), joined by single dots. */
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

/**
 * What is wrong with `address` as an email address, or undefined when nothing is. Checks the text as
 * given: trim and lower-case it first (see {@link normalizeEmailAddress}).
 *
 * @example
 * ```ts
 * emailProblem('jane@example.com') // undefined
 * emailProblem('../../admin@localhost') // 'the part before @ …'
 * ```
 */
export function emailProblem(address: string): string | undefined {
  if (address.length > EMAIL_MAX) return `is longer than ${EMAIL_MAX} characters`
  const at = address.lastIndexOf('@')
  if (at < 0) return 'has no @'
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  if (local === '') return 'has nothing before the @'
  if (local.length > EMAIL_LOCAL_MAX) return `has more than ${EMAIL_LOCAL_MAX} characters before the @`
  if (!LOCAL.test(local))
    return "has a part before the @ that is not letters, digits and _ + - = ' in runs joined by single dots"
  if (!DOMAIN.test(domain))
    return 'has a domain that is not a host name (letters, digits, dashes and single dots)'
  return undefined
}

/** Trimmed and lower-cased: the one form of an address that is stored and compared. */
export function normalizeEmailAddress(address: string): string {
  return address.trim().toLowerCase()
}
