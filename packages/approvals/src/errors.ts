import {
  APIConnectionError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  IndentConfigError,
  InternalServerError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  type Petition,
  RateLimitError,
  UnsupportedMediaTypeError,
} from '@openindent/api'

/**
 * What went wrong with an {@link approval}, as {@link getErrorKind} reports it:
 *
 * - `waiting`: the request is pending review; once granted, the same call resolves.
 * - `denied`: a reviewer or policy denied the latest request.
 * - `unauthorized`: the API token is missing its role, or is invalid, expired or revoked (401, 403).
 * - `invalid`: the request is malformed or names something unknown (400, 404, 405, 409, 413, 415, or
 *   arguments rejected before sending), or the client is not set up: no API token, no space, a URL
 *   that is not one, or an unknown client option (`IndentConfigError` from `@openindent/api`).
 * - `unavailable`: OpenIndent could not be reached or answered 408, 429 or 5xx, after the SDK's retries.
 * - `unknown`: anything else, including values that are not approval errors.
 *
 * @example
 * ```ts
 * const retryLater = (kind: ApprovalErrorKind) => kind === 'waiting' || kind === 'unavailable'
 * ```
 */
export type ApprovalErrorKind = 'waiting' | 'denied' | 'unauthorized' | 'invalid' | 'unavailable' | 'unknown'

const KINDS: ReadonlySet<string> = new Set<ApprovalErrorKind>([
  'waiting',
  'denied',
  'unauthorized',
  'invalid',
  'unavailable',
  'unknown',
])

/**
 * Base class of every error {@link approval} throws; `kind` says which, `cause` holds the underlying
 * SDK error when there is one. This class itself is the `unknown` kind.
 *
 * @example
 * ```ts
 * try {
 *   await approval({ resources: [{ kind: 'customer', id: 'cus_123' }] })
 * } catch (err) {
 *   if (err instanceof ApprovalError) console.error(err.kind, err.message, err.cause)
 * }
 * ```
 */
export class ApprovalError extends Error {
  override readonly name: string = 'ApprovalError'
  /** The kind {@link getErrorKind} reports for this error. */
  readonly kind: ApprovalErrorKind = 'unknown'
}

/**
 * The request is pending: a petition is open (or was just created) and no decision landed within the
 * wait. Once a reviewer grants it, the same `approval()` call resolves.
 *
 * @example
 * ```ts
 * if (err instanceof ApprovalWaitingError) console.log('pending review:', err.petition.name)
 * ```
 */
export class ApprovalWaitingError extends ApprovalError {
  override readonly name: string = 'ApprovalWaitingError'
  override readonly kind = 'waiting' as const
  /** The open petition awaiting review. */
  readonly petition: Petition

  constructor(petition: Petition, message = `Approval is waiting for review (petition ${petition.name})`) {
    super(message)
    this.petition = petition
  }
}

/**
 * A reviewer or a policy denied the latest request for the same petitioners and resources.
 *
 * @example
 * ```ts
 * if (err instanceof ApprovalDeniedError) console.log('denied:', err.reason ?? 'no reason given')
 * ```
 */
export class ApprovalDeniedError extends ApprovalError {
  override readonly name: string = 'ApprovalDeniedError'
  override readonly kind = 'denied' as const
  /** The denied petition. */
  readonly petition: Petition
  /** The reviewer's or policy's reason, when one was given. */
  readonly reason: string | undefined

  constructor(petition: Petition, reason: string | undefined, message?: string) {
    super(message ?? `Approval denied${reason ? `: ${reason}` : ''} (petition ${petition.name})`)
    this.petition = petition
    this.reason = reason
  }
}

/**
 * The API token was rejected (401: missing, invalid, expired or revoked) or lacks the role the call
 * needs (403: e.g. requesting on behalf of others needs `petitionAdmin`). `cause` is the SDK error.
 *
 * @example
 * ```ts
 * if (err instanceof ApprovalUnauthorizedError) console.error('check INDENT_API_TOKEN and its role')
 * ```
 */
export class ApprovalUnauthorizedError extends ApprovalError {
  override readonly name: string = 'ApprovalUnauthorizedError'
  override readonly kind = 'unauthorized' as const
}

/**
 * The request itself is wrong: rejected before sending (e.g. no `resources`, `wait` above 30), or
 * answered 400, 404, 405, 409, 413 or 415. Repeating it will not help. `cause` is the SDK error, if any.
 *
 * @example
 * ```ts
 * if (err instanceof ApprovalInvalidError) console.error('bad approval request:', err.message)
 * ```
 */
export class ApprovalInvalidError extends ApprovalError {
  override readonly name: string = 'ApprovalInvalidError'
  override readonly kind = 'invalid' as const
}

/**
 * OpenIndent could not answer: connection refused or reset, timeout, 408, 429 or 5xx, after the SDK's
 * automatic retries. Trying again later may succeed. `cause` is the SDK error.
 *
 * @example
 * ```ts
 * if (err instanceof ApprovalUnavailableError) return { ok: false, status: 'try-again-later' }
 * ```
 */
export class ApprovalUnavailableError extends ApprovalError {
  override readonly name: string = 'ApprovalUnavailableError'
  override readonly kind = 'unavailable' as const
}

/**
 * The kind of any thrown value, for a `switch` in a `catch` block. Approval errors report their own
 * kind; SDK API errors from `@openindent/api` are classified the same way `approval()` classifies
 * them; everything else, including values that are not errors, is `'unknown'`.
 *
 * @example
 * ```ts
 * try {
 *   await approval({
 *     petitioners: [{ kind: 'user', id: user.id, email: user.email }],
 *     resources: [{ kind: 'customer', id: customerId }],
 *   })
 *   return { ok: true }
 * } catch (err) {
 *   switch (getErrorKind(err)) {
 *     case 'waiting':
 *       return { ok: false, status: 'waiting' }
 *     case 'denied':
 *       return { ok: false, status: 'denied' }
 *   }
 *   return { ok: false, status: 'unknown' }
 * }
 * ```
 */
export function getErrorKind(err: unknown): ApprovalErrorKind {
  if (err instanceof ApprovalError) return err.kind
  if (err instanceof APIError) return kindOfAPIError(err)
  if (err instanceof IndentConfigError) return 'invalid'
  // An ApprovalError from another copy of this package (a bundler or a nested node_modules can load
  // two) fails `instanceof`, but still carries its name and kind.
  if (err instanceof Error && err.name.startsWith('Approval')) {
    const kind: unknown = (err as { kind?: unknown }).kind
    if (typeof kind === 'string' && KINDS.has(kind)) return kind as ApprovalErrorKind
  }
  return 'unknown'
}

/**
 * Wraps a failure of the approval check in the {@link ApprovalError} subclass for its kind, keeping
 * it as `cause`; approval errors pass through unchanged.
 *
 * @example
 * ```ts
 * const response = await client.petition.check(request).catch((err: unknown) => {
 *   throw toApprovalError(err)
 * })
 * ```
 */
export function toApprovalError(err: unknown): ApprovalError {
  if (err instanceof ApprovalError) return err
  const message = `Approval check failed: ${err instanceof Error ? err.message : String(err)}`
  const options = { cause: err }
  switch (getErrorKind(err)) {
    case 'unauthorized':
      return new ApprovalUnauthorizedError(message, options)
    case 'invalid':
      return new ApprovalInvalidError(message, options)
    case 'unavailable':
      return new ApprovalUnavailableError(message, options)
    default:
      return new ApprovalError(message, options)
  }
}

const INVALID_CLASSES = [
  BadRequestError,
  NotFoundError,
  MethodNotAllowedError,
  ConflictError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
]

/** Follows the SDK's class, which it picks from the server's error code, so both agree on every error. */
function kindOfAPIError(err: APIError): ApprovalErrorKind {
  if (err instanceof APIUserAbortError) return 'unknown'
  // Also APIConnectionTimeoutError: no answer arrived in time.
  if (err instanceof APIConnectionError) return 'unavailable'
  if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) return 'unauthorized'
  if (INVALID_CLASSES.some((Class) => err instanceof Class)) return 'invalid'
  // A 408 comes from a proxy (OpenIndent never sends one); like 429 and 5xx, it is worth retrying later.
  if (err instanceof RateLimitError || err instanceof InternalServerError || err.status === 408) {
    return 'unavailable'
  }
  return 'unknown'
}
