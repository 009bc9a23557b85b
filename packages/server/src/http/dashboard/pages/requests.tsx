/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import { openPetition } from '../../../domain/petitions/lifecycle/open.js'
import { getPetition, listPetitions } from '../../../domain/petitions/queries.js'
import { targetKey } from '../../../domain/petitions/types.js'
import { describeTargets } from '../../../domain/resources/describe.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { CsrfField, Layout, When } from '../layout.js'
import { petitionPath, Target } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

/**
 * What I asked for: each request's state, the time left while granted, cancel while open, and ask
 * again (the same people, resources and reason) once it ended.
 */
export function mountRequests(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/requests', async (c) => {
    const access = c.get('access')
    const now = deps.clock.now()
    const viewer = viewerOf(c, now)
    const { items, nextPageToken } = await listPetitions(deps, access, {
      petitioner: c.get('user').email,
      pageSize: 50,
      pageToken: c.req.query('page'),
    })
    const targets = await describeTargets(
      deps.store,
      access.space.id,
      items.flatMap((d) => d.petition.resources),
    )
    const space = access.space.name
    const base = `/spaces/${encodeURIComponent(space)}/requests`
    return c.html(
      <Layout title="My requests" viewer={viewer}>
        <h1>My requests</h1>
        {items.length === 0 ? (
          <p>
            You have not asked for access yet. Apps ask on your behalf with <code>approval()</code>; the
            requests show up here with their state.
          </p>
        ) : (
          <ul class="card-list">
            {items.map(({ petition: p, grants }) => {
              const live = grants.filter((g) => !g.revokeTime && (g.expireTime ?? Infinity) > now)
              const ends = live.map((g) => g.expireTime).filter((t): t is number => t !== undefined)
              return (
                <li>
                  <article>
                    <h2>
                      <a href={petitionPath(space, p.name)}>
                        {p.resources.map((r) => (
                          <Target r={r} known={targets.get(targetKey(r))} />
                        ))}
                      </a>
                    </h2>
                    <p>
                      {p.phase === 'closed' ? `closed: ${p.outcome ?? 'closed'}` : p.phase}
                      {p.phase === 'granted' && ends.length ? (
                        <>
                          , access ends <When at={Math.min(...ends)} now={now} />
                        </>
                      ) : null}
                      {p.phase === 'granted' && live.length && !ends.length ? ', until revoked' : null}
                      {' · asked '}
                      <When at={p.createTime} now={now} />
                    </p>
                    {p.reason ? <p>{p.reason}</p> : null}
                    {p.phase === 'open' ? (
                      <form method="post" action={`${petitionPath(space, p.name)}/close`}>
                        <CsrfField viewer={viewer} />
                        <button type="submit">Cancel request</button>
                      </form>
                    ) : null}
                    {p.phase === 'closed' ? (
                      <form method="post" action={`${base}/${encodeURIComponent(p.name)}/again`}>
                        <CsrfField viewer={viewer} />
                        <button type="submit">Ask again</button>
                      </form>
                    ) : null}
                  </article>
                </li>
              )
            })}
          </ul>
        )}
        {nextPageToken ? (
          <nav aria-label="Pages">
            <a href={`${base}?page=${encodeURIComponent(nextPageToken)}`}>Older requests</a>
          </nav>
        ) : null}
      </Layout>,
    )
  })

  app.post('/spaces/:space/requests/:name/again', async (c) => {
    const access = c.get('access')
    const before = await getPetition(deps, access, c.req.param('name'))
    const { petition } = await openPetition(deps, access, {
      petitioners: before.petitioners,
      resources: before.resources,
      reason: before.reason,
      durationMs: before.durationMs,
    })
    return c.redirect(petitionPath(access.space.name, petition.name), 303)
  })
}
