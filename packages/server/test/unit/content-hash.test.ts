import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/domain/ids.js'
import type { ResourceContent } from '../../src/domain/resources/types.js'
import { contentHash, labelsJson } from '../../src/domain/resources/types.js'

/** The definition the stored hashes were made with: a changed text would mark every resource changed. */
function reference(r: ResourceContent): string {
  const labels = Object.keys(r.labels)
    .sort()
    .map((k) => [k, r.labels[k]])
  return sha256Hex(JSON.stringify([r.displayName ?? null, r.email ?? null, r.altIds ?? null, labels])).slice(
    0,
    32,
  )
}

describe('contentHash and labelsJson', () => {
  it('write the same text as JSON.stringify, escapes and key order included', () => {
    let seed = 11
    const random = (n: number) => {
      seed = (seed * 48271) % 2147483647
      return seed % n
    }
    const PIECES = [
      'a',
      'Z',
      'é',
      '"',
      '\\\\',
      '\\n',
      '\u0001',
      '\u001f',
      ' ',
      '\u2028',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      '/',
      '\u007f',
      '',
    ]
    const text = () => Array.from({ length: random(5) }, () => PIECES[random(PIECES.length)]).join('')
    for (let n = 0; n < 3000; n++) {
      const labels: Record<string, string> = {}
      for (let i = random(6); i > 0; i--) labels[text() || `k${i}`] = text()
      const r: ResourceContent = { kind: 'k', id: String(n), labels }
      if (random(2)) r.displayName = text()
      if (random(2)) r.email = text()
      if (random(3) === 0) r.altIds = Array.from({ length: random(3) }, text)
      expect(contentHash(r)).toBe(reference(r))
      expect(labelsJson(labels)).toBe(JSON.stringify(labels))
    }
  })
})
