import { APIError, AuthenticationError, BadRequestError, InternalServerError } from '@openindent/api'
import { ERROR_STATUS, ERROR_TYPE, type ErrorCode } from '@openindent/contract'
import { describe, expect, test } from 'vitest'
import { ApprovalError, type ApprovalErrorKind, getErrorKind } from '../src/index.js'

describe('getErrorKind', () => {
  test('is unknown for anything that is not an approval or API error', () => {
    expect(getErrorKind(new Error('x'))).toBe('unknown')
    expect(getErrorKind('str')).toBe('unknown')
    expect(getErrorKind(undefined)).toBe('unknown')
    expect(getErrorKind(null)).toBe('unknown')
    expect(getErrorKind({ kind: 'waiting' })).toBe('unknown')
    expect(getErrorKind(new ApprovalError('x'))).toBe('unknown')
  })

  test('reads the kind of an approval error from another copy of the package', () => {
    const foreign = Object.assign(new Error('pending'), { name: 'ApprovalWaitingError', kind: 'waiting' })
    expect(getErrorKind(foreign)).toBe('waiting')
    const bogus = Object.assign(new Error('x'), { name: 'ApprovalError', kind: 'exploded' })
    expect(getErrorKind(bogus)).toBe('unknown')
  })

  test.each([
    ['INVALID_ARGUMENT', 'invalid'],
    ['UNAUTHENTICATED', 'unauthorized'],
    ['PERMISSION_DENIED', 'unauthorized'],
    ['NOT_FOUND', 'invalid'],
    ['METHOD_NOT_ALLOWED', 'invalid'],
    ['ALREADY_EXISTS', 'invalid'],
    ['CONFLICT', 'invalid'],
    ['PAYLOAD_TOO_LARGE', 'invalid'],
    ['UNSUPPORTED_MEDIA_TYPE', 'invalid'],
    ['RATE_LIMITED', 'unavailable'],
    ['INTERNAL', 'unavailable'],
    ['UNAVAILABLE', 'unavailable'],
  ] as const satisfies readonly (readonly [ErrorCode, ApprovalErrorKind])[])(
    'the SDK error for code %s is %s',
    (code, kind) => {
      const body = { error: { code, message: 'x', type: ERROR_TYPE[code], requestId: 'req_1' } }
      expect(getErrorKind(APIError.generate(ERROR_STATUS[code], body, undefined))).toBe(kind)
    },
  )

  test("a proxy's 408 is unavailable; a status without a class is unknown", () => {
    expect(getErrorKind(APIError.generate(408, '', undefined))).toBe('unavailable')
    expect(getErrorKind(APIError.generate(418, '', undefined))).toBe('unknown')
  })

  test('classifies SDK errors thrown by direct client calls', () => {
    expect(getErrorKind(new AuthenticationError(401, {}, undefined))).toBe('unauthorized')
    expect(getErrorKind(new BadRequestError(400, {}, undefined))).toBe('invalid')
    expect(getErrorKind(new InternalServerError(500, {}, undefined))).toBe('unavailable')
  })
})
