/**
 * The dashboard's own script, served as /assets/dashboard.js (a strict CSP allows no inline script).
 * It turns server-sent events into htmx triggers, so lists that listen for `petitions-changed` and a
 * petition's panel that listens for `petition-changed-<name>` reload themselves, and gives copy buttons their click.
 */
export const CLIENT_JS = `(() => {
  const body = document.body
  const stream = body.dataset.events
  if (stream && 'EventSource' in window) {
    const source = new EventSource(stream)
    source.addEventListener('petition', (e) => {
      if (!window.htmx) return
      window.htmx.trigger(body, 'petitions-changed', { petition: e.data })
      // One petition's page listens only for its own changes.
      window.htmx.trigger(body, 'petition-changed-' + e.data, {})
    })
  }
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button[data-copy]') : null
    if (!button) return
    const source = document.getElementById(button.dataset.copy)
    if (!source) return
    navigator.clipboard.writeText(source.textContent.trim()).then(() => {
      button.textContent = 'Copied'
    })
  })
})()
`
