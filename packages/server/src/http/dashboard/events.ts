import type { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { accessSpace } from '../../domain/auth/authenticate.js'
import type { SpaceAccess } from '../../domain/auth/principal.js'
import type { DomainEvent } from '../../domain/events.js'
import { maySeePetition } from '../../domain/petitions/queries.js'
import { sessionUser } from '../../domain/sessions/sessions.js'
import type { AppDeps } from '../deps.js'
import type { DashEnv } from './env.js'

/** Proxies drop connections that stay silent; a comment line now and then keeps the stream open. */
const HEARTBEAT_MS = 25_000

/**
 * Server-sent events for one space: the name of each petition that was opened or changed, on this
 * instance or another (the feed carries other instances' commits too), and only of petitions the
 * member may see (as the petition's page decides). Only names travel: the page reloads what it shows
 * through the same access checks as any page load.
 */
export function mountEvents(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/events', (c) => {
    const spaceId = c.get('access').space.id
    const spaceName = c.get('access').space.name
    const secret = c.get('sessionSecret')
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
          // Who is watching now, not when the stream opened: a signed-out session or a member removed
          // from the space ends the stream (both answers are cached, so this costs no query as a rule).
          const access = await currentAccess(deps, secret, spaceName)
          if (!access) break
          for (const name of new Set(queue.splice(0))) {
            if (await maySeePetition(deps, access, name))
              await stream.writeSSE({ event: 'petition', data: name })
          }
        }
      } finally {
        unsubscribe()
      }
    })
  })
}

async function currentAccess(deps: AppDeps, secret: string, space: string): Promise<SpaceAccess | undefined> {
  const signedIn = await sessionUser(deps, secret)
  if (!signedIn) return undefined
  return accessSpace(deps, { type: 'user', user: signedIn.user }, space).catch(() => undefined)
}
