/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import { hasRole, type SpaceAccess } from '../../domain/auth/principal.js'
import { html } from './markup.js'
import { CSRF_FIELD } from './session.js'

/** What every signed-in page knows about who is looking. */
export interface Viewer {
  email: string
  csrf: string
  access?: SpaceAccess
  now: number
}

const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
})

// The same few lines on every page that has them: made once, not per request.
const SHORTCUTS = html`<details id="shortcuts"><summary>Keyboard shortcuts</summary><dl class="facts"><dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>next / previous petition in the inbox (Enter opens it)</dd><dt><kbd>a</kbd></dt><dd>on a petition's page: approve (to the Approve button, beside the duration; Enter approves)</dd><dt><kbd>d</kbd></dt><dd>on a petition's page: deny (to the reason; Enter denies)</dd><dt><kbd>?</kbd></dt><dd>show or hide this list</dd></dl><p><small>They do nothing while you type in a field.</small></p></details>`

export function Layout(props: {
  title: string
  viewer?: Viewer
  /** Server-sent events stream this page listens to. */
  events?: string
  /** Whether the page lists the keyboard shortcuts (the inbox and a petition's page answer them). */
  shortcuts?: boolean
  children: Child
}) {
  const { viewer } = props
  const space = viewer?.access?.space.name
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <title>{`${props.title} · OpenIndent`}</title>
          <link rel="stylesheet" href="/assets/pico.css" />
          <link rel="stylesheet" href="/assets/dashboard.css" />
          <script src="/assets/htmx.min.js" defer />
          <script src="/assets/dashboard.js" defer />
        </head>
        <body
          data-events={props.events}
          hx-headers={viewer ? JSON.stringify({ 'x-csrf-token': viewer.csrf }) : undefined}
        >
          <header>
            <nav aria-label="Main">
              <ul>
                <li>
                  <strong>OpenIndent</strong>
                </li>
              </ul>
              {viewer && space ? <SpaceNav viewer={viewer} space={space} /> : null}
            </nav>
          </header>
          <main>
            {props.children}
            {props.shortcuts ? SHORTCUTS : null}
          </main>
          <footer>
            {viewer ? (
              <form method="post" action="/signout">
                <CsrfField viewer={viewer} />
                <small>Signed in as {viewer.email}</small> <button type="submit">Sign out</button>
              </form>
            ) : (
              <small>OpenIndent</small>
            )}
          </footer>
        </body>
      </html>
    </>
  )
}

function SpaceNav({ viewer, space }: { viewer: Viewer; space: string }) {
  const base = `/spaces/${encodeURIComponent(space)}`
  const editor = viewer.access ? hasRole(viewer.access.roles, 'editor') : false
  return (
    <ul>
      <li>
        <a href={`${base}/inbox`}>Inbox</a>
      </li>
      <li>
        <a href={`${base}/requests`}>My requests</a>
      </li>
      <li>
        <a href={`${base}/grants`}>Grants</a>
      </li>
      <li>
        <a href={`${base}/resources`}>Resources</a>
      </li>
      <li>
        <a href={`${base}/keys`}>API keys</a>
      </li>
      {editor ? (
        <>
          <li>
            <a href={`${base}/audit`}>Audit log</a>
          </li>
          <li>
            <a href={`${base}/settings`}>Settings</a>
          </li>
        </>
      ) : null}
    </ul>
  )
}

export function CsrfField({ viewer }: { viewer: Viewer }) {
  return <input type="hidden" name={CSRF_FIELD} value={viewer.csrf} />
}

export { When } from './petition-card.js'
