import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { DomainEvent } from '../../domain/events.js'
import type { AppDeps } from '../deps.js'
import type { DashEnv } from './env.js'

/** Proxies drop connections that stay silent; a comment line now and then keeps the stream open. */
const HEARTBEAT_MS = 25_000

/**
 * Server-sent events for one space: the name of each petition that was opened or changed, on this
 * instance or another (the feed carries other instances' commits too). Only names travel: the page
 * reloads what it shows through the same access checks as any page load.
 */
export function mountEvents(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/events', (c) => {
    const spaceId = c.get('access').space.id
    return streamSSE(c, async (stream) => {
      const queue: string[] = []
      let wake: (() => void) | undefined
      const unsubscribe = deps.feed.subscribe((events: readonly DomainEvent[]) => {
        for (const e of events) if (e.kind === 'petition' && e.spaceId === spaceId) queue.push(e.petition)
        if (queue.length) wake?.()
      })
      stream.onAbort(() => {
        unsubscribe()
        wake?.()
      })
      try {
        await stream.writeSSE({ event: 'ready', data: '' })
        while (!stream.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve
              setTimeout(resolve, HEARTBEAT_MS).unref()
            })
            wake = undefined
          }
          if (stream.aborted) break
          if (queue.length === 0) {
            await stream.write(': keep-alive\n\n')
            continue
          }
          for (const name of new Set(queue.splice(0)))
            await stream.writeSSE({ event: 'petition', data: name })
        }
      } finally {
        unsubscribe()
      }
    })
  })
}
