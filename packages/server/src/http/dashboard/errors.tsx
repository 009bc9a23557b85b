/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { ERROR_STATUS } from '@openindent/contract'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { DomainError } from '../../domain/errors.js'
import { Layout } from './layout.js'

/**
 * Errors on pages: a domain refusal is shown with the API's status and message (the same words a
 * CLI user reads); anything else is logged and shown as a bare failure with the request id.
 */
export function renderError(err: unknown, c: Context): Response | Promise<Response> {
  const requestId = (c.get('requestId') as string | undefined) ?? ''
  if (err instanceof DomainError) {
    const status = ERROR_STATUS[err.code] as ContentfulStatusCode
    return c.html(<ErrorPage title={titleOf(status)} message={err.message} requestId={requestId} />, status)
  }
  ;(c.get('logger') as { error(o: object, m: string): void } | undefined)?.error(
    { err, requestId },
    'unhandled error',
  )
  return c.html(
    <ErrorPage title="Something went wrong" message="The server failed to answer." requestId={requestId} />,
    500,
  )
}

function titleOf(status: number): string {
  if (status === 403) return 'Not allowed'
  if (status === 404) return 'Not found'
  if (status === 409) return 'Already changed'
  if (status === 429) return 'Too many attempts'
  return 'Refused'
}

function ErrorPage(props: { title: string; message: string; requestId: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <small>Request id: {props.requestId}</small>
      </p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </Layout>
  )
}
