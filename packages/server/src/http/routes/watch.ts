import { WATCH_HEARTBEAT_MS, type WatchPetitionEvent } from '@openindent/contract'
import type { Hono } from 'hono'
import { accessSpace, authenticate } from '../../domain/auth/authenticate.js'
import { hasRole, type SpaceAccess } from '../../domain/auth/principal.js'
import { callerIdentity } from '../../domain/identity.js'
import { clientAddress } from '../client-address.js'
import type { AppDeps } from '../deps.js'
import type { AppEnv } from '../env.js'
import { httpError } from '../errors.js'

/** The path of the watch stream (see contract/watch.ts for what it sends). */
export const WATCH_PATH = '/v1/spaces/:space/:verb{approvals:watch}'

/**
 * `GET /v1/spaces/{space}/approvals:watch`: server-sent events that keep an SDK's cached approval
 * answers true (contract/watch.ts). A caller with `petitionAdmin` hears of every petition of the
 * space, anyone else only of their own. The stream re-checks its token with every heartbeat (a cached
 * lookup until something changes) and ends once the token or its access to the space is gone, or
 * once this instance may miss changes (its cross-instance listener is down).
 */
export function mountWatch(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get(WATCH_PATH, async (c) => {
    const header = c.req.header('authorization')
    const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined
    const client = { address: () => clientAddress(c, deps.options.trustProxy) }
    const principal = await authenticate(deps, bearer, client)
    const space = c.req.param('space')
    const access = await accessSpace(deps, principal, space)
    if (!deps.caches.freshness.trusted) {
      throw httpError('UNAVAILABLE', 'this instance is not hearing every change now; retry shortly')
    }
    const encoder = new TextEncoder()
    let stop: (reason?: string) => void = () => {}
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let open = true
        const write = (event: string, data: unknown) => {
          if (open) controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`))
        }
        const remove = deps.watch.add({
          spaceId: access.space.id,
          sees: seesFor(access),
          send: (event: WatchPetitionEvent) => write('petition', event),
          end: (reason) => stop(reason),
        })
        const beat = setInterval(() => {
          void stillAllowed(deps, bearer, space, client).then((reason) => {
            if (reason) stop(reason)
            else write('ping', { now: deps.clock.now() })
          })
        }, WATCH_HEARTBEAT_MS)
        stop = (reason) => {
          if (!open) return
          if (reason) write('end', { reason })
          open = false
          clearInterval(beat)
          remove()
          try {
            controller.close()
          } catch {
            // Already cancelled by the client.
          }
        }
        write('ready', { now: deps.clock.now() })
      },
      cancel() {
        stop()
      },
    })
    c.req.raw.signal.addEventListener('abort', () => stop())
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-request-id': c.get('requestId'),
      },
    })
  })
}

function seesFor(access: SpaceAccess): (petitioners: readonly string[]) => boolean {
  if (hasRole(access.roles, 'petitionAdmin')) return () => true
  const me = callerIdentity(access)
  return (petitioners) => petitioners.includes(me)
}

/** Why the stream must end now, if it must. */
async function stillAllowed(
  deps: AppDeps,
  bearer: string | undefined,
  space: string,
  client: { address(): string },
): Promise<string | undefined> {
  if (!deps.caches.freshness.trusted) return 'this instance may miss changes now'
  try {
    await accessSpace(deps, await authenticate(deps, bearer, client), space)
    return undefined
  } catch {
    return 'the token no longer has access to the space'
  }
}
