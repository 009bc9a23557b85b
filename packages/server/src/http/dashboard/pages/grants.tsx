/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import { liveGrants } from '../../../domain/petitions/live-grants.js'
import { targetKey } from '../../../domain/petitions/types.js'
import { describeTargets } from '../../../domain/resources/describe.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { CsrfField, Layout, When } from '../layout.js'
import { petitionPath, Target, Who } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

const param = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined)

/** Live grants, expiring soonest first; revoke early; filter by person and resource. */
export function mountGrants(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/grants', async (c) => {
    const access = c.get('access')
    const now = deps.clock.now()
    const viewer = viewerOf(c, now)
    const petitioner = param(c.req.query('petitioner'))
    const resource = param(c.req.query('resource'))
    const { grants, truncated } = await liveGrants(deps, access, { petitioner, resource })
    const targets = await describeTargets(
      deps.store,
      access.space.id,
      grants.map((g) => g.grant.resource),
    )
    const space = access.space.name
    return c.html(
      <Layout title="Grants" viewer={viewer}>
        <h1>Grants</h1>
        <form method="get">
          <label for="petitioner">Person (email)</label>
          <input id="petitioner" name="petitioner" value={petitioner ?? ''} />
          <label for="resource">Resource (kind/id)</label>
          <input id="resource" name="resource" value={resource ?? ''} />
          <button type="submit">Filter</button>
        </form>
        {grants.length === 0 ? (
          <p>No live grants{petitioner || resource ? ' match this filter' : ''}.</p>
        ) : (
          <figure>
            <table>
              <thead>
                <tr>
                  <th scope="col">Person</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Ends</th>
                  <th scope="col">Petition</th>
                  <th scope="col">Revoke</th>
                </tr>
              </thead>
              <tbody>
                {grants.map(({ grant: g, petition: p, mayRevoke }) => (
                  <tr>
                    <td>
                      <Who r={g.petitioner} />
                    </td>
                    <td>
                      <Target r={g.resource} known={targets.get(targetKey(g.resource))} />
                    </td>
                    <td>{g.expireTime ? <When at={g.expireTime} now={now} /> : 'until revoked'}</td>
                    <td>
                      <a href={petitionPath(space, p.name)}>{p.name}</a>
                    </td>
                    <td>
                      {mayRevoke ? (
                        <form method="post" action={`${petitionPath(space, p.name)}/revoke`}>
                          <CsrfField viewer={viewer} />
                          <input type="hidden" name="reason" value="revoked early from the grants page" />
                          <button type="submit" aria-label={`Revoke petition ${p.name}`}>
                            Revoke
                          </button>
                        </form>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </figure>
        )}
        {truncated ? (
          <p>Showing the grants of the first 500 granted petitions; filter to see others.</p>
        ) : null}
      </Layout>,
    )
  })
}
