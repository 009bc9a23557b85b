import { VERSION } from '@openindent/contract'
import { Hono } from 'hono'
import { dashboardApp } from './dashboard/index.js'
import type { AppDeps } from './deps.js'
import type { AppEnv } from './env.js'
import { handleError, sendError } from './errors.js'
import { requestContext } from './middleware/request-context.js'
import { openApiDocument } from './openapi.js'
import type { RouteDef } from './route.js'
import { mount, toHonoPath } from './route.js'
import { auditRoutes } from './routes/audit.js'
import { auditInputRoutes } from './routes/audit-inputs.js'
import { authRoutes } from './routes/auth.js'
import { checkRoutes } from './routes/check.js'
import { mountHealth } from './routes/health.js'
import { petitionRoutes } from './routes/petitions.js'
import { policyRoutes } from './routes/policies.js'
import { resourceRoutes } from './routes/resources.js'
import { ruleRoutes } from './routes/rules.js'
import { mountSlack } from './routes/slack.js'
import { spaceRoutes } from './routes/spaces.js'
import { tokenRoutes } from './routes/tokens.js'
import { mountWatch } from './routes/watch.js'
import { webhookRoutes } from './routes/webhooks.js'

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
  ...auditInputRoutes,
  ...webhookRoutes,
  ...policyRoutes,
]

/** Builds the HTTP app. It opens nothing and listens nowhere: main does that, tests call `app.request()`. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(requestContext(deps.logger))
  mountHealth(app, deps)
  const openapi = openApiDocument(apiRoutes, VERSION)
  app.get('/v1/openapi.json', (c) => c.json(openapi))
  mountWatch(app, deps)
  mount(app, deps, apiRoutes)
  mountSlack(app, deps)
  refuseOtherMethods(app, apiRoutes)
  // The reviewer dashboard: pages, their assets and events, outside /v1.
  app.route('/', dashboardApp(deps) as unknown as Hono<AppEnv>)
  app.notFound((c) => sendError(c, 'NOT_FOUND', noRouteMessage(c.req.method, c.req.path)))
  app.onError(handleError)
  return app
}

/**
 * A path that exists answers other methods with 405 and the methods it takes, not 404: a client that
 * sent GET to an audit input's URL learns it only takes POST.
 */
function refuseOtherMethods(app: Hono<AppEnv>, routes: RouteDef[]): void {
  const byPath = new Map<string, { methods: Set<string>; pattern: string }>()
  for (const r of routes) {
    const pattern = toHonoPath(r.path, r.paramPatterns)
    const entry = byPath.get(pattern) ?? { methods: new Set<string>(), pattern }
    entry.methods.add(r.method.toUpperCase())
    byPath.set(pattern, entry)
  }
  for (const { methods, pattern } of byPath.values()) {
    const allow = [...methods].sort().join(', ')
    app.all(pattern, (c) => {
      c.header('allow', allow)
      return sendError(c, 'METHOD_NOT_ALLOWED', `${c.req.path} takes ${allow}, not ${c.req.method}`)
    })
  }
}

/** A base URL set without `/v1` is the commonest first mistake: the 404 says so. */
export function noRouteMessage(method: string, path: string): string {
  const base = `no route for ${method} ${path}`
  if (path === '/v1' || path.startsWith('/v1/')) return base
  return `${base}: the API is under /v1 (did you mean /v1${path === '/' ? '' : path}? set INDENT_API_URL to the server's URL ending in /v1)`
}
