import { describe, expect, it } from 'vitest'
import { lastWins } from '../../src/domain/resources/input.js'
import type { ResourceContent } from '../../src/domain/resources/types.js'

/** Applying the list in order, one write per item: what `lastWins` must agree with. */
function applyInOrder(items: ResourceContent[]): ResourceContent[] {
  const byKey = new Map<string, ResourceContent>()
  for (const item of items) {
    const key = `${item.kind}\u0000${item.id}`
    byKey.delete(key)
    byKey.set(key, item)
  }
  return [...byKey.values()]
}

describe('lastWins', () => {
  it('keeps the last of each (kind, id), in the order of those last occurrences', () => {
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647
      return seed % n
    }
    for (let round = 0; round < 500; round++) {
      const items = Array.from({ length: random(30) }, (_, i) => ({
        kind: ['user', 'customer', 'a\u0000b'][random(3)] as string,
        id: String(random(round % 2 ? 10 : 1000)),
        labels: { at: String(i) },
      }))
      expect(lastWins(items)).toEqual(applyInOrder(items))
    }
  })

  it('returns the list itself when nothing repeats', () => {
    const items = [
      { kind: 'user', id: 'a', labels: {} },
      { kind: 'customer', id: 'a', labels: {} },
    ]
    expect(lastWins(items)).toBe(items)
  })
})
