import { PAGE_SIZE_DEFAULT } from '@openindent/contract'
import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.js'
import {
  decodePageToken,
  encodePageToken,
  isString,
  isStringPair,
  page,
} from '../../src/domain/pagination.js'

function rejection(fn: () => unknown): DomainError {
  try {
    fn()
  } catch (err) {
    if (err instanceof DomainError) return err
    throw err
  }
  throw new Error('the token was accepted')
}

describe('page tokens', () => {
  it('round-trip the sort key', () => {
    const pair: [string, string] = ['user', 'u/1 é,"x"']
    const token = encodePageToken(pair)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decodePageToken(token, isStringPair)).toEqual(pair)
    expect(decodePageToken(encodePageToken('abc'), isString)).toBe('abc')
  })

  it('read a missing or empty token as the first page', () => {
    expect(decodePageToken(undefined, isString)).toBeUndefined()
    expect(decodePageToken('', isString)).toBeUndefined()
  })

  it.each([
    ['garbage', 'not a token!!'],
    ['base64 of non-JSON', Buffer.from('{oops').toString('base64url')],
    ['a key of the wrong shape', encodePageToken(['only-one'])],
    ['a key of the wrong type', encodePageToken(42)],
  ])('rejects %s as INVALID_ARGUMENT on pageToken', (_why, token) => {
    const err = rejection(() => decodePageToken(token, isStringPair))
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.param).toBe('pageToken')
  })
})

describe('page', () => {
  it('asks for one row more and returns a token for the last row shown', async () => {
    const asked: number[] = []
    const out = await page(
      2,
      async (limit) => {
        asked.push(limit)
        return ['a', 'b', 'c'].slice(0, limit)
      },
      (last) => last,
    )
    expect(asked).toEqual([3])
    expect(out.items).toEqual(['a', 'b'])
    expect(decodePageToken(out.nextPageToken, isString)).toBe('b')
  })

  it('returns no token on the last page and uses the default size', async () => {
    const asked: number[] = []
    const out = await page(
      undefined,
      async (limit) => {
        asked.push(limit)
        return ['a']
      },
      (last) => last,
    )
    expect(asked).toEqual([PAGE_SIZE_DEFAULT + 1])
    expect(out).toEqual({ items: ['a'] })
  })
})
