import type { Hono } from 'hono'
import type { AppDeps } from '../deps.js'
import type { AppEnv } from '../env.js'
import { sendError } from '../errors.js'

/**
 * Liveness says the process answers; readiness says it can serve: its database answers and, with
 * several instances, it hears their changes (without that it could serve stale cached answers).
 */
export function mountHealth(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const problem = await deps.readiness()
    if (problem === undefined) return c.json({ status: 'ready' })
    deps.logger.warn({ problem }, 'not ready')
    return sendError(c, 'UNAVAILABLE', problem)
  })
}
