import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'

describe('canonicalJson', () => {
  it('gives the same bytes whatever the key order, at every depth', () => {
    const a = { b: 1, a: { d: [{ y: 1, x: 2 }], c: 'x' }, e: null }
    const b = { e: null, a: { c: 'x', d: [{ x: 2, y: 1 }] }, b: 1 }
    expect(canonicalJson(a)).toBe(canonicalJson(b))
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[{"x":2,"y":1}]},"b":1,"e":null}')
  })

  it('drops undefined properties but keeps null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: { d: undefined } })).toBe('{"b":null,"c":{}}')
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }))
  })

  it('keeps arrays in their order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]')
    expect(canonicalJson(['b', 'a'])).not.toBe(canonicalJson(['a', 'b']))
    expect(canonicalJson([{ b: 1, a: 2 }, 'x'])).toBe('[{"a":2,"b":1},"x"]')
  })

  it('writes scalars as JSON does', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"')
    expect(canonicalJson(1.5)).toBe('1.5')
    expect(canonicalJson(true)).toBe('true')
    expect(canonicalJson(null)).toBe('null')
  })

  it('gives the bytes of a sorted copy for input already in key order, partly or wholly', () => {
    const sorted = { a: [{ x: 1, y: { p: 1, q: 2 } }], b: 'z' }
    expect(canonicalJson(sorted)).toBe('{"a":[{"x":1,"y":{"p":1,"q":2}}],"b":"z"}')
    // Sorted on top, unsorted or with undefined deep inside: the inner copy must still be made.
    expect(canonicalJson({ a: [{ x: 1, y: { q: 2, p: 1 } }], b: 'z' })).toBe(canonicalJson(sorted))
    expect(canonicalJson({ a: [{ x: 1, y: { p: 1, q: 2, r: undefined } }], b: 'z' })).toBe(
      canonicalJson(sorted),
    )
    expect(canonicalJson({ a: [{ x: 1, y: { p: 1, q: 2 } }, undefined], b: 'z' })).toBe(
      '{"a":[{"x":1,"y":{"p":1,"q":2}},null],"b":"z"}',
    )
  })

  it('serialises objects that are not plain as their own properties, in order or not', () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":{}}')
    expect(canonicalJson({ m: new Map([['a', 1]]) })).toBe('{"m":{}}')
    const bare = Object.assign(Object.create(null) as Record<string, number>, { b: 2, a: 1 })
    expect(canonicalJson(bare)).toBe('{"a":1,"b":2}')
  })

  it('orders numeric-looking keys as a sorted copy would', () => {
    expect(canonicalJson({ '10': 1, '9': 2, a: 3 })).toBe(JSON.stringify({ '10': 1, '9': 2, a: 3 }))
    expect(canonicalJson({ '1': 1, a: 2 })).toBe('{"1":1,"a":2}')
  })
})
