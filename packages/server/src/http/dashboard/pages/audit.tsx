/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { ListEventsQuery } from '@openindent/contract'
import type { Context, Hono } from 'hono'
import { stream } from 'hono/streaming'
import { CSV_COLUMNS, csvLine } from '../../../domain/audit/csv.js'
import { exportEvents, verifySpaceChain } from '../../../domain/audit/export.js'
import { listEvents, toAuditEvent } from '../../../domain/audit/query.js'
import type { AppDeps } from '../../deps.js'
import { fromZod } from '../../errors.js'
import type { DashEnv } from '../env.js'
import { Layout, When } from '../layout.js'
import { Who } from '../petition-card.js'
import { viewerOf } from '../viewer.js'

const FILTERS = [
  ['actor', 'Actor (id or email)'],
  ['event', 'Event (e.g. access/approve)'],
  ['resourceKind', 'Resource kind'],
  ['resourceId', 'Resource id'],
  ['startTime', 'From (RFC 3339)'],
  ['endTime', 'Until (RFC 3339)'],
] as const

/** The page's query as the API's: empty fields dropped, then checked by the same schema. */
function queryOf(c: Context<DashEnv>): ListEventsQuery {
  const raw: Record<string, string> = {}
  for (const [k, v] of Object.entries(c.req.query())) if (v.trim() !== '') raw[k] = v.trim()
  delete raw.format
  const parsed = ListEventsQuery.safeParse({ pageSize: 50, ...raw })
  if (!parsed.success) throw fromZod(parsed.error)
  return parsed.data
}

const withQuery = (path: string, q: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && k !== 'pageSize') params.set(k, String(v))
  const s = params.toString()
  return s ? `${path}?${s}` : path
}

export function mountAudit(app: Hono<DashEnv>, deps: AppDeps): void {
  app.get('/spaces/:space/audit', async (c) => {
    const access = c.get('access')
    const now = deps.clock.now()
    const q = queryOf(c)
    const { records, nextPageToken } = await listEvents(deps, access, q)
    const events = records.map(toAuditEvent)
    const base = `/spaces/${encodeURIComponent(access.space.name)}/audit`
    const filters = { ...q, pageToken: undefined }
    return c.html(
      <Layout title="Audit log" viewer={viewerOf(c, now)}>
        <h1>Audit log</h1>
        <form method="get">
          {FILTERS.map(([name, label]) => (
            <>
              <label for={`f-${name}`}>{label}</label>
              <input id={`f-${name}`} name={name} value={q[name] ?? ''} />
            </>
          ))}
          <button type="submit">Filter</button>
        </form>
        <p>
          Export these events, oldest first:{' '}
          <a href={withQuery(`${base}/export`, { ...filters, format: 'ndjson' })}>NDJSON</a> ·{' '}
          <a href={withQuery(`${base}/export`, { ...filters, format: 'csv' })}>CSV</a> ·{' '}
          <a href={`${base}/verify`}>Verify the chain</a>
        </p>
        <figure>
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Actor</th>
                <th scope="col">Resources</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td>{e.seq}</td>
                  <td>{e.timestamp ? <When at={Date.parse(e.timestamp)} now={now} /> : ''}</td>
                  <td>
                    <code>{e.event}</code>
                  </td>
                  <td>{e.actor ? <Who r={e.actor} /> : ''}</td>
                  <td>
                    {(e.resources ?? []).map((r) => `${r.kind ?? ''}/${r.id ?? r.email ?? ''}`).join(', ')}
                  </td>
                  <td>{e.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
        {nextPageToken ? (
          <nav aria-label="Pages">
            <a href={withQuery(base, { ...filters, pageToken: nextPageToken })}>Older events</a>
          </nav>
        ) : null}
      </Layout>,
    )
  })

  app.get('/spaces/:space/audit/export', (c) => {
    const csv = c.req.query('format') === 'csv'
    const events = exportEvents(deps, c.get('access'), queryOf(c))
    const name = `${c.get('access').space.name}-audit.${csv ? 'csv' : 'ndjson'}`
    c.header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
    c.header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
    return stream(c, async (out) => {
      if (csv) await out.write(`${CSV_COLUMNS.join(',')}\n`)
      for await (const e of events) await out.write(csv ? csvLine(e) : `${JSON.stringify(e)}\n`)
    })
  })

  app.get('/spaces/:space/audit/verify', async (c) => {
    const result = await verifySpaceChain(deps, c.get('access'))
    return c.html(
      <Layout title="Audit chain" viewer={viewerOf(c, deps.clock.now())}>
        <h1>Audit chain</h1>
        {result.ok ? (
          <p role="status">
            Intact: {result.events} events, each hash covers the one before it; head #{result.head.seq}{' '}
            <code>{result.head.hash}</code>.
          </p>
        ) : (
          <p role="alert" class="notice">
            Broken at event #{result.seq} ({result.events} intact before it): {result.problem}
          </p>
        )}
      </Layout>,
    )
  })
}
