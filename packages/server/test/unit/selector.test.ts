import { describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.js'
import { parseLabelSelector, type Requirement } from '../../src/domain/labels/selector.js'

function rejection(input: string): DomainError {
  try {
    parseLabelSelector(input)
  } catch (err) {
    if (err instanceof DomainError) return err
    throw err
  }
  throw new Error(`"${input}" was accepted`)
}

describe('parseLabelSelector', () => {
  it.each<[string, Requirement[]]>([
    ['plan=pro', [{ key: 'plan', op: 'eq', value: 'pro' }]],
    ['plan==pro', [{ key: 'plan', op: 'eq', value: 'pro' }]],
    ['plan!=pro', [{ key: 'plan', op: 'neq', value: 'pro' }]],
    ['tier in (a, b)', [{ key: 'tier', op: 'in', values: ['a', 'b'] }]],
    ['tier in(a,b)', [{ key: 'tier', op: 'in', values: ['a', 'b'] }]],
    ['tier notin (a)', [{ key: 'tier', op: 'notin', values: ['a'] }]],
    ['owner', [{ key: 'owner', op: 'exists' }]],
    ['!legacy', [{ key: 'legacy', op: 'notexists' }]],
    ['indent.com/time/duration=1h', [{ key: 'indent.com/time/duration', op: 'eq', value: '1h' }]],
    ['owner=alice@example.com', [{ key: 'owner', op: 'eq', value: 'alice@example.com' }]],
    ['plan=', [{ key: 'plan', op: 'eq', value: '' }]],
    [
      '  plan = pro ,tier in ( a ,b ),  !legacy, region != eu ,owner  ',
      [
        { key: 'plan', op: 'eq', value: 'pro' },
        { key: 'tier', op: 'in', values: ['a', 'b'] },
        { key: 'legacy', op: 'notexists' },
        { key: 'region', op: 'neq', value: 'eu' },
        { key: 'owner', op: 'exists' },
      ],
    ],
    ['', []],
    ['   ', []],
  ])('reads %j', (input, expected) => {
    expect(parseLabelSelector(input)).toEqual(expected)
  })

  it('accepts 32 requirements', () => {
    const input = Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')
    expect(parseLabelSelector(input)).toHaveLength(32)
  })

  it.each([
    ['unbalanced open paren', 'tier in (a, b'],
    ['unbalanced close paren', 'tier in a, b)'],
    ['close before open', 'tier in )a('],
    ['nested parens', 'tier in ((a))'],
    ['empty requirement', 'a,,b'],
    ['trailing comma', 'plan=pro,'],
    ['leading comma', ',plan=pro'],
    ['empty set', 'a in ()'],
    ['empty value in set', 'a in (x,,y)'],
    ['bad key characters', 'pl@n=pro'],
    ['key starting with a dash', '-plan=pro'],
    ['key ending with a slash', 'indent.com/=x'],
    ['key with a space', 'my key=pro'],
    ['bare bang', '!'],
    ['missing key', '=pro'],
    ['value with a space', 'plan=pro tier=x'],
    ['value with an equals sign', 'a=b=c'],
    ['value with a paren', 'tier in (a)(b)'],
    ['too many requirements', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['overlong key', `${'k'.repeat(318)}=v`],
    ['overlong value', `k=${'v'.repeat(4097)}`],
  ])('rejects %s', (_why, input) => {
    const err = rejection(input)
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.param).toBe('labelSelector')
    expect(err.message).toMatch(/^labelSelector: /)
  })
})
