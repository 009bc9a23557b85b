import { randomBytes } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AppEnv } from '../env.js'

const INCOMING_ID = /^[A-Za-z0-9._-]{8,128}$/
// A random prefix per process and a counter: unique across instances, without a random draw per request.
const PREFIX = `req_${randomBytes(6).toString('hex')}`
let counter = 0

/** The request's id: the caller's `X-Request-Id` when sane, else a new one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming && INCOMING_ID.test(incoming) ? incoming : `${PREFIX}${(counter++).toString(36)}`
}

/** Gives each request an id (kept from `X-Request-Id` when sane), echoes it, and logs the outcome. */
export function requestContext(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = requestIdFor(c.req.header('x-request-id'))
    c.set('requestId', requestId)
    c.set('logger', logger)
    // Set before the handler runs: set after, Hono must rebuild the finished response to add it.
    c.header('x-request-id', requestId)
    const start = performance.now()
    await next()
    if (logger.isLevelEnabled('info')) {
      logger.info(
        {
          requestId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: +(performance.now() - start).toFixed(2),
        },
        'request',
      )
    }
  }
}
