/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import { listResources } from '../../../domain/resources/list.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { viewerOf } from '../viewer.js'

const param = (v: string | undefined) => (v && v.trim() !== '' ? v.trim() : undefined)

/** Uploaded resources by kind and label selector, each linking to its grants and petitions. */
export function mountResources(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/resources', async (c) => {
    const access = c.get('access')
    const kind = param(c.req.query('kind'))
    const labelSelector = param(c.req.query('labelSelector'))
    const { items, nextPageToken } = await listResources(deps, access, {
      kind,
      labelSelector,
      pageSize: 50,
      pageToken: param(c.req.query('page')),
    })
    const space = encodeURIComponent(access.space.name)
    const next = new URLSearchParams({
      ...(kind ? { kind } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...(nextPageToken ? { page: nextPageToken } : {}),
    })
    return c.html(
      <Layout title="Resources" viewer={viewerOf(c, deps.clock.now())}>
        <h1>Resources</h1>
        <form method="get">
          <label for="kind">Kind</label>
          <input id="kind" name="kind" value={kind ?? ''} placeholder="customer" />
          <label for="labelSelector">Label selector</label>
          <input
            id="labelSelector"
            name="labelSelector"
            value={labelSelector ?? ''}
            placeholder="plan=enterprise"
          />
          <button type="submit">Search</button>
        </form>
        {items.length === 0 ? (
          <p>
            No resources
            {kind || labelSelector
              ? ' match'
              : " yet: upload them with the SDK's resource.bulkUpdate or openindent resources upload"}
            .
          </p>
        ) : (
          <ul>
            {items.map((r) => {
              const target = encodeURIComponent(`${r.kind}/${r.id}`)
              return (
                <li>
                  <strong>{r.displayName ?? r.id}</strong>{' '}
                  <small>
                    {r.kind}/{r.id}
                  </small>{' '}
                  {Object.entries(r.labels).map(([k, v]) => (
                    <code class="label">
                      {k}: {v}
                    </code>
                  ))}{' '}
                  <a href={`/spaces/${space}/grants?resource=${target}`}>grants</a>{' '}
                  <a href={`/spaces/${space}/petitions?resource=${target}`}>petitions</a>
                </li>
              )
            })}
          </ul>
        )}
        {nextPageToken ? (
          <nav aria-label="Pages">
            <a href={`/spaces/${space}/resources?${next}`}>More resources</a>
          </nav>
        ) : null}
      </Layout>,
    )
  })
}
