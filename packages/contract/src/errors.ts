/**
 * The closed list of error codes OpenIndent answers with. Every code has exactly one HTTP status and
 * one error `type` (the category Indent-style clients branch on). This module imports nothing, so
 * clients load it (`@openindent/contract/errors`) without the contract's zod schemas.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'ALREADY_EXISTS',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
  'UNAVAILABLE',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'api_error'

/** HTTP status of each code. A `Record` so that adding a code without a status fails to compile. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
}

export const ERROR_TYPE: Record<ErrorCode, ErrorType> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
  METHOD_NOT_ALLOWED: 'invalid_request_error',
  ALREADY_EXISTS: 'conflict_error',
  CONFLICT: 'conflict_error',
  PAYLOAD_TOO_LARGE: 'invalid_request_error',
  UNSUPPORTED_MEDIA_TYPE: 'invalid_request_error',
  RATE_LIMITED: 'rate_limit_error',
  INTERNAL: 'api_error',
  UNAVAILABLE: 'api_error',
}

/** The body of every error response: `{ "error": { … } }`. */
export interface ErrorBody {
  code: ErrorCode
  message: string
  type: ErrorType
  /** The request field the error is about, as a dotted path (`resources.3.kind`). */
  param?: string
  requestId: string
}

export interface ErrorEnvelope {
  error: ErrorBody
}
