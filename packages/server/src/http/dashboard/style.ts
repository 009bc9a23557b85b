/** A few additions to Pico's classless styles: cards in the inbox, labels as chips, narrow screens. */
export const DASHBOARD_CSS = `
body > header nav ul { flex-wrap: wrap; }
.card-list { list-style: none; padding: 0; }
.card-list > li { list-style: none; }
article h2, article h3 { margin-bottom: 0.5rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code.label { margin-right: 0.25rem; white-space: nowrap; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: end; }
.actions form { margin: 0; }
.notice { padding: 0.75rem 1rem; border-left: 4px solid currentColor; margin-bottom: 1rem; }
/* Tables wrap instead of scrolling sideways: a scrolling region would need its own keyboard stop. */
table { table-layout: fixed; width: 100%; }
th, td { overflow-wrap: anywhere; }
code { overflow-wrap: anywhere; }
pre.secret { white-space: pre-wrap; word-break: break-all; }
@media (max-width: 600px) {
  body > header nav { flex-direction: column; align-items: flex-start; }
  body > header nav ul { margin-left: 0; }
  body > header nav ul li { padding: 0.35rem 0.5rem; }
  body > header nav ul li:first-child { padding-left: 0; }
  main h1 { font-size: 1.5rem; }
  dl.facts { grid-template-columns: 1fr; }
  .actions { flex-direction: column; align-items: stretch; }
}
`
