/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Phase } from '@openindent/contract'
import type { Hono } from 'hono'
import { listPetitions } from '../../../domain/petitions/queries.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { petitionPath, When, Who } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

const param = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined)

/**
 * Petitions of the space, newest first, by resource (kind/id) and phase: where the resources page
 * links each resource. A viewer sees only their own, as the API's list answers them.
 */
export function mountPetitions(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/petitions', async (c) => {
    const access = c.get('access')
    const now = deps.clock.now()
    const resource = param(c.req.query('resource'))
    const phase = param(c.req.query('phase')) as Phase | undefined
    const { items, nextPageToken } = await listPetitions(deps, access, {
      resource,
      phase,
      pageSize: 50,
      pageToken: param(c.req.query('page')),
    })
    const space = access.space.name
    const next = new URLSearchParams({
      ...(resource ? { resource } : {}),
      ...(phase ? { phase } : {}),
      ...(nextPageToken ? { page: nextPageToken } : {}),
    })
    return c.html(
      <Layout title="Petitions" viewer={viewerOf(c, now)}>
        <h1>Petitions</h1>
        <form method="get">
          <label for="resource">Resource (kind/id)</label>
          <input id="resource" name="resource" value={resource ?? ''} placeholder="customer/cus_123" />
          <button type="submit">Filter</button>
        </form>
        {items.length === 0 ? (
          <p>No petitions{resource || phase ? ' match this filter' : ' yet'}.</p>
        ) : (
          <figure>
            <table>
              <thead>
                <tr>
                  <th scope="col">Petition</th>
                  <th scope="col">Person</th>
                  <th scope="col">State</th>
                  <th scope="col">Asked</th>
                </tr>
              </thead>
              <tbody>
                {items.map(({ petition: p }) => (
                  <tr>
                    <td>
                      <a href={petitionPath(space, p.name)}>{p.name}</a>
                    </td>
                    <td>
                      {p.petitioners.map((r) => (
                        <Who r={r} />
                      ))}
                    </td>
                    <td>{p.phase === 'closed' ? `closed: ${p.outcome ?? 'closed'}` : p.phase}</td>
                    <td>
                      <When at={p.createTime} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </figure>
        )}
        {nextPageToken ? (
          <nav aria-label="Pages">
            <a href={`/spaces/${encodeURIComponent(space)}/petitions?${next}`}>More petitions</a>
          </nav>
        ) : null}
      </Layout>,
    )
  })
}
