import { describe, expect, it } from 'vitest'
import { CACHE_TTL_MS, Freshness } from '../../src/domain/cache.js'
import { ManualClock } from '../../src/domain/clock.js'
import { WebhookHandlerCache } from '../../src/domain/webhooks/handler-cache.js'
import type { WebhookRecord } from '../../src/domain/webhooks/types.js'

const hook = (name: string) => ({ name }) as WebhookRecord

/** The rules the cache keeps on its own; the store's wiring is tested over HTTP on both engines. */
describe('webhook handler cache', () => {
  const setup = () => {
    const freshness = new Freshness()
    const clock = new ManualClock()
    const cache = new WebhookHandlerCache(freshness, clock)
    let stored = [hook('a')]
    let reads = 0
    const get = (space = 'sp_1', type: 'applyUpdate' | 'decision' = 'applyUpdate') =>
      cache.get(space, type, async () => {
        reads++
        return [...stored]
      })
    return {
      freshness,
      clock,
      get,
      reads: () => reads,
      store: (hooks: WebhookRecord[]) => {
        stored = hooks
      },
    }
  }

  it('reads once per space and handler type, until a broad commit or the TTL', async () => {
    const t = setup()
    expect(await t.get()).toEqual([hook('a')])
    expect(await t.get()).toEqual([hook('a')])
    expect(t.reads()).toBe(1)
    await t.get('sp_1', 'decision')
    await t.get('sp_2')
    expect(t.reads()).toBe(3)
    t.store([hook('a'), hook('b')])
    t.freshness.bump()
    expect(await t.get()).toEqual([hook('a'), hook('b')])
    t.clock.advance(CACHE_TTL_MS)
    await t.get()
    expect(t.reads()).toBe(5)
  })

  it('keeps nothing read while a change committed, nor while the instance may miss changes', async () => {
    const t = setup()
    // A commit that lands during the read: the entry is stale at once.
    const during = t.get()
    t.freshness.bump()
    await during
    await t.get()
    expect(t.reads()).toBe(2)
    t.freshness.suspend()
    await t.get()
    await t.get()
    expect(t.reads()).toBe(4)
    t.freshness.resume()
    await t.get()
    await t.get()
    expect(t.reads()).toBe(5)
  })

  it('hands out copies: a caller changing its list changes no other', async () => {
    const t = setup()
    ;(await t.get()).push(hook('x'))
    expect(await t.get()).toEqual([hook('a')])
  })
})
