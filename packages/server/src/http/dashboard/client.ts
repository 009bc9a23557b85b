/**
 * The dashboard's own script, served as /assets/dashboard.js (a strict CSP allows no inline script).
 * It turns server-sent events into htmx triggers, so lists that listen for `petitions-changed` and a
 * petition's panel that listens for `petition-changed-<name>` reload themselves, gives copy buttons their
 * click, and answers the keyboard shortcuts listed on the inbox and petition pages (never while the
 * person types in a field, nor with Ctrl, Alt or Meta held, which belong to the browser).
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
  const typing = (el) =>
    el instanceof Element && el.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])') !== null
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return
    if (e.key === '?') {
      const help = document.getElementById('shortcuts')
      if (!help) return
      e.preventDefault()
      help.open = !help.open
      if (help.open) help.querySelector('summary').focus()
    } else if (e.key === 'j' || e.key === 'k') {
      const links = [...document.querySelectorAll('#inbox-list article h3 a')]
      if (links.length === 0) return
      e.preventDefault()
      const at = links.indexOf(document.activeElement)
      const to = e.key === 'j' ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0)
      links[to].focus()
      links[to].closest('article').scrollIntoView({ block: 'nearest' })
    } else if (e.key === 'a') {
      // To the button, not straight to a grant: one stray key must never give anyone access.
      const approve = document.querySelector('form[action$="/approve"] button[type="submit"]')
      if (!approve) return
      e.preventDefault()
      approve.focus()
      approve.closest('form').scrollIntoView({ block: 'nearest' })
    } else if (e.key === 'd') {
      const reason = document.getElementById('deny-reason')
      if (!reason) return
      e.preventDefault()
      reason.focus()
    }
  })
})()
`
