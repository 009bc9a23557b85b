import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { AppDeps } from '../deps.js'
import { mountAssets } from './assets.js'
import type { DashEnv } from './env.js'
import { renderError } from './errors.js'
import { mountEvents } from './events.js'
import { mountAudit } from './pages/audit.js'
import { mountGrants } from './pages/grants.js'
import { mountInbox } from './pages/inbox.js'
import { mountKeys } from './pages/keys.js'
import { mountOidc } from './pages/oidc.js'
import { mountPetition, mountPetitionLink } from './pages/petition.js'
import { mountPetitions } from './pages/petitions.js'
import { mountRequests } from './pages/requests.js'
import { mountResources } from './pages/resources.js'
import { mountSettings } from './pages/settings.js'
import { mountSignIn } from './pages/signin.js'
import { securityHeaders } from './security.js'
import { requireCsrf, requireSession, requireSpace } from './session.js'

export const DASHBOARD_PATHS = [
  '/',
  '/signin',
  '/signin/*',
  '/signout',
  '/assets/*',
  '/spaces/*',
  '/petitions/*',
]

/**
 * The reviewer dashboard: server-rendered pages at `/`, beside the API under `/v1`. Every action goes
 * through the same use cases as the API, with the signed-in person's access in the space.
 */
export function dashboardApp(deps: AppDeps): Hono<DashEnv> {
  const app = new Hono<DashEnv>()
  // Scoped to the dashboard's own paths: mounted at `/`, unscoped middleware would also run for the
  // API's unknown paths.
  for (const path of DASHBOARD_PATHS) {
    // The pages share paths with the API minus `/v1` (`/spaces/…`): a request with a bearer token is an
    // API client whose base URL lacks `/v1`, so it gets the API's 404 that says so, not the sign-in page.
    app.use(path, async (c, next) => (c.req.header('authorization') ? c.notFound() : next()))
    app.use(path, securityHeaders(deps.options.trustProxy))
    app.use(
      path,
      bodyLimit({ maxSize: deps.options.maxBodyBytes, onError: (c) => c.text('request too large', 413) }),
    )
  }
  mountAssets(app as unknown as Hono)
  mountSignIn(app, deps)
  mountOidc(app, deps)
  mountPetitionLink(app, deps)

  app.get('/', requireSession(deps), async (c) => {
    const [spaceId] = await deps.store.principals.spaceIdsOfUser(c.get('user').id)
    const space = spaceId && (await deps.store.spaces.byId(spaceId))
    if (!space) return c.text('You are not a member of any space yet: ask an editor to add you.', 403)
    return c.redirect(`/spaces/${encodeURIComponent(space.name)}/inbox`, 303)
  })

  const spaces = new Hono<DashEnv>()
  spaces.use('/spaces/:space/*', requireSession(deps), requireCsrf(), requireSpace(deps))
  mountInbox(spaces, deps)
  mountEvents(spaces, deps)
  mountPetition(spaces, deps)
  mountPetitions(spaces, deps)
  mountKeys(spaces, deps)
  mountRequests(spaces, deps)
  mountGrants(spaces, deps)
  mountResources(spaces, deps)
  mountAudit(spaces, deps)
  mountSettings(spaces, deps)
  app.route('/', spaces)
  app.onError(renderError)
  return app
}
