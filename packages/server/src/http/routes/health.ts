import type { Hono } from 'hono'
import type { AppDeps } from '../deps.js'
import type { AppEnv } from '../env.js'
import { sendError } from '../errors.js'

/** Liveness says the process answers; readiness says it can reach its database. */
export function mountHealth(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    try {
      await deps.store.ping()
      return c.json({ status: 'ready' })
    } catch (err) {
      deps.logger.warn({ err }, 'readiness check failed')
      return sendError(c, 'UNAVAILABLE', 'the database is not reachable')
    }
  })
}
