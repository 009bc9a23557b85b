/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Hono } from 'hono'
import type { SpaceAccess } from '../../../domain/auth/principal.js'
import { inbox } from '../../../domain/petitions/inbox.js'
import { type ReviewSignals, signalsFor } from '../../../domain/petitions/signals.js'
import type { AppDeps } from '../../deps.js'
import type { DashEnv } from '../env.js'
import { Layout } from '../layout.js'
import { type Html, html } from '../markup.js'
import { PetitionCard } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

const PAGE_SIZE = 25

type Page = Awaited<ReturnType<typeof inbox>> & { signals: ReviewSignals[] }

/**
 * The inbox list alone: the page embeds it, and htmx reloads it when a petition arrives or is decided.
 * Rendered from the page already read, with `html` like its cards: an async JSX component ran the
 * whole page through hono's async render path, and a JSX tree for 25 cards cost more than the page's
 * queries (bench/dashboard).
 */
function inboxList(props: { page: Page; space: string; now: number }): Html {
  const { items, nextPageToken, targets, signals } = props.page
  const base = `/spaces/${encodeURIComponent(props.space)}/inbox`
  const list =
    items.length === 0
      ? html`<p>Nothing waits for your decision. Petitions appear here the moment an app asks for access (with <code>approval()</code> from <code>@openindent/approvals</code>) and a rule names you as a reviewer.</p>`
      : html`<ul class="card-list">${items.map((review, i) => html`<li>${PetitionCard({ review, targets, space: props.space, now: props.now, signals: signals[i] })}</li>`)}</ul>`
  const more = nextPageToken
    ? html`<nav aria-label="Pages"><a href="${`${base}?page=${encodeURIComponent(nextPageToken)}`}">Older petitions</a></nav>`
    : ''
  return html`<section id="inbox-list" aria-label="Petitions waiting for you" aria-live="polite" hx-get="${`${base}/list`}" hx-trigger="petitions-changed from:body" hx-swap="outerHTML">${list}${more}</section>`
}

/** A page of the inbox, with each card's signals (three reads for the whole page). */
async function firstPage(deps: AppDeps, access: SpaceAccess, pageToken?: string): Promise<Page> {
  const page = await inbox(deps, access, { pageSize: PAGE_SIZE, pageToken })
  const petitions = page.items.map((i) => i.petition)
  return { ...page, signals: await signalsFor(deps.store, access.space.id, petitions, deps.clock.now()) }
}

export function mountInbox(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/inbox', async (c) => {
    const access = c.get('access')
    const page = await firstPage(deps, access, c.req.query('page'))
    const viewer = viewerOf(c, deps.clock.now())
    const space = access.space.name
    return c.html(
      <Layout title="Inbox" viewer={viewer} events={`/spaces/${encodeURIComponent(space)}/events`} shortcuts>
        <h1>Inbox</h1>
        {inboxList({ page, space, now: viewer.now })}
      </Layout>,
    )
  })
  app.get('/spaces/:space/inbox/list', async (c) => {
    const access = c.get('access')
    const page = await firstPage(deps, access)
    return c.html(inboxList({ page, space: access.space.name, now: deps.clock.now() }))
  })
}
