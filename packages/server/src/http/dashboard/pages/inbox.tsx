/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import { inbox } from '../../../domain/petitions/inbox.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { PetitionCard } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

const PAGE_SIZE = 25

/** The inbox list alone: the page embeds it, and htmx reloads it when a petition arrives or is decided. */
async function InboxList(props: { deps: AppDeps; c: Parameters<typeof viewerOf>[0]; page?: string }) {
  const { deps, c } = props
  const access = c.get('access')
  const now = deps.clock.now()
  const { items, nextPageToken, targets } = await inbox(deps, access, {
    pageSize: PAGE_SIZE,
    pageToken: props.page,
  })
  const base = `/spaces/${encodeURIComponent(access.space.name)}/inbox`
  return (
    <section
      id="inbox-list"
      aria-label="Petitions waiting for you"
      aria-live="polite"
      hx-get={`${base}/list`}
      hx-trigger="petitions-changed from:body"
      hx-swap="outerHTML"
    >
      {items.length === 0 ? (
        <p>
          Nothing waits for your decision. Petitions appear here the moment an app asks for access (with{' '}
          <code>approval()</code> from <code>@openindent/approvals</code>) and a rule names you as a reviewer.
        </p>
      ) : (
        <ul class="card-list">
          {items.map((review) => (
            <li>
              <PetitionCard review={review} targets={targets} space={access.space.name} now={now} />
            </li>
          ))}
        </ul>
      )}
      {nextPageToken ? (
        <nav aria-label="Pages">
          <a href={`${base}?page=${encodeURIComponent(nextPageToken)}`}>Older petitions</a>
        </nav>
      ) : null}
    </section>
  )
}

export function mountInbox(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/inbox', (c) => {
    const viewer = viewerOf(c, deps.clock.now())
    const space = c.get('access').space.name
    return c.html(
      <Layout title="Inbox" viewer={viewer} events={`/spaces/${encodeURIComponent(space)}/events`}>
        <h1>Inbox</h1>
        <InboxList deps={deps} c={c} page={c.req.query('page')} />
      </Layout>,
    )
  })
  app.get('/spaces/:space/inbox/list', (c) => c.html(<InboxList deps={deps} c={c} />))
}
