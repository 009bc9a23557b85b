import { describe, expect, it } from 'vitest'
import { FreshCache, Freshness, petitionTag } from '../../src/domain/cache.js'

describe('cache freshness by tag', () => {
  const p1 = petitionTag('sp_1', 'pet_1')
  const p2 = petitionTag('sp_1', 'pet_2')

  it('drops an entry when a petition it depends on changes, not when another does', () => {
    const freshness = new Freshness()
    const cache = new FreshCache<string>(freshness)
    cache.set('a', 'granted', 1000, freshness.current(), { tags: [p1], tick: freshness.tick() })
    freshness.touch([p2])
    expect(cache.get('a', 0)).toBe('granted')
    freshness.touch([p1])
    expect(cache.get('a', 0)).toBeUndefined()
  })

  it('drops an entry read while its petition changed (tick taken before the read)', () => {
    const freshness = new Freshness()
    const cache = new FreshCache<string>(freshness)
    const generation = freshness.current()
    const tick = freshness.tick()
    freshness.touch([p1]) // lands during the read
    cache.set('a', 'granted', 1000, generation, { tags: [p1], tick })
    expect(cache.get('a', 0)).toBeUndefined()
  })

  it('drops everything on a broad write, and on a change another process made', () => {
    let external = 1
    const freshness = new Freshness(() => external)
    const cache = new FreshCache<string>(freshness)
    cache.set('a', 'x', 1000, freshness.current(), { tags: [p1], tick: freshness.tick() })
    cache.set('b', 'y', 1000, freshness.current())
    freshness.bump()
    expect(cache.get('a', 0)).toBeUndefined()
    expect(cache.get('b', 0)).toBeUndefined()
    cache.set('b', 'y', 1000, freshness.current())
    external = 2
    const until = performance.now() + 5
    while (performance.now() < until) {} // the version is read at most once a millisecond
    expect(cache.get('b', 0)).toBeUndefined()
  })

  it('shares an entry under a second key, valid exactly as long', () => {
    const freshness = new Freshness()
    const cache = new FreshCache<string>(freshness)
    cache.set('a', 'granted', 1000, freshness.current(), { tags: [p1], tick: freshness.tick() })
    cache.share('a', 'alias')
    expect(cache.get('alias', 999)).toBe('granted')
    expect(cache.get('alias', 1000)).toBeUndefined()
    cache.set('a', 'granted', 1000, freshness.current(), { tags: [p1], tick: freshness.tick() })
    cache.share('a', 'alias')
    freshness.touch([p1])
    expect(cache.get('alias', 0)).toBeUndefined()
  })
})
