import { VERSION } from '@openindent/contract'
import { Hono } from 'hono'
import type { AppDeps } from './deps.js'
import type { AppEnv } from './env.js'
import { handleError, sendError } from './errors.js'
import { requestContext } from './middleware/request-context.js'
import { openApiDocument } from './openapi.js'
import type { RouteDef } from './route.js'
import { mount } from './route.js'
import { auditRoutes } from './routes/audit.js'
import { authRoutes } from './routes/auth.js'
import { checkRoutes } from './routes/check.js'
import { mountHealth } from './routes/health.js'
import { petitionRoutes } from './routes/petitions.js'
import { resourceRoutes } from './routes/resources.js'
import { ruleRoutes } from './routes/rules.js'
import { spaceRoutes } from './routes/spaces.js'
import { tokenRoutes } from './routes/tokens.js'

// The package entry point re-exports it from here.

/** Every API route, in one list: it mounts the app and generates the OpenAPI document. */
export const apiRoutes: RouteDef[] = [
  ...authRoutes,
  ...spaceRoutes,
  ...tokenRoutes,
  ...resourceRoutes,
  ...petitionRoutes,
  ...checkRoutes,
  ...ruleRoutes,
  ...auditRoutes,
]

/** Builds the HTTP app. It opens nothing and listens nowhere: main does that, tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(requestContext(deps.logger))
  mountHealth(app, deps)
  const openapi = openApiDocument(apiRoutes, VERSION)
  app.get('/v1/openapi.json', (c) => c.json(openapi))
  mount(app, deps, apiRoutes)
  app.notFound((c) => sendError(c, 'NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`))
  app.onError(handleError)
  return app
}
