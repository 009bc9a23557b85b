import type { ErrorCode } from '@openindent/contract'

/**
 * The one error type the domain throws. It names a code from the contract's closed list; only the HTTP
 * layer turns that code into a status.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export const invalid = (message: string, param?: string) =>
  new DomainError('INVALID_ARGUMENT', message, param)
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`)
export const denied = (message: string) => new DomainError('PERMISSION_DENIED', message)
export const unauthenticated = (message: string) => new DomainError('UNAUTHENTICATED', message)
export const alreadyExists = (what: string) => new DomainError('ALREADY_EXISTS', `${what} already exists`)

/** Too many attempts: RATE_LIMITED, with how long to wait (sent as `Retry-After`). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('RATE_LIMITED', message)
  }
}
