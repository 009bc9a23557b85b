import { ERROR_STATUS, ERROR_TYPE, type ErrorBody, type ErrorCode } from '@openindent/contract'
import { expect } from 'vitest'
import type { TestServer } from '../helpers/runtime.js'

/** Shared assertions for the HTTP suites: the error envelope, and a fingerprint of everything a space holds. */

const ENVELOPE_KEYS = new Set(['code', 'message', 'type', 'requestId', 'param'])

/** Text that must never reach a client: stack frames, SQL, driver and engine names. */
const LEAKS = [
  /\n\s*at\s/,
  /\bat .+:\d+:\d+/,
  /\bSELECT\b/i,
  /\bINSERT\s+INTO\b/i,
  /sqlite/i,
  /postgres/i,
  /kysely/i,
]

/** Checks that `res` is the documented error envelope and returns its body. */
export async function expectEnvelope(res: Response): Promise<ErrorBody> {
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/)
  const text = await res.text()
  const json = JSON.parse(text) as { error?: Record<string, unknown> }
  expect(Object.keys(json)).toEqual(['error'])
  const error = json.error as Record<string, unknown>
  for (const key of Object.keys(error))
    expect(ENVELOPE_KEYS.has(key), `unexpected envelope key ${key}`).toBe(true)
  const body = error as unknown as ErrorBody
  expect(typeof body.code).toBe('string')
  expect(ERROR_STATUS[body.code], `status of ${body.code}`).toBe(res.status)
  expect(body.type).toBe(ERROR_TYPE[body.code])
  expect(typeof body.message).toBe('string')
  expect(body.message.length).toBeGreaterThan(0)
  expect(typeof body.requestId).toBe('string')
  expect(body.requestId.length).toBeGreaterThan(0)
  expect(res.headers.get('x-request-id')).toBe(body.requestId)
  if ('param' in body) expect(typeof body.param).toBe('string')
  for (const leak of LEAKS) expect(text, `error body leaks ${leak}`).not.toMatch(leak)
  return body
}

/** Checks status, code and (when given; `null` for "no param") the param of an error response. */
export async function expectError(
  res: Response,
  status: number,
  code: ErrorCode,
  param?: string | null,
): Promise<ErrorBody> {
  expect(res.status, `expected ${status} ${code}`).toBe(status)
  const body = await expectEnvelope(res)
  expect(body.code).toBe(code)
  if (param === null) expect(body.param).toBeUndefined()
  else if (param !== undefined) expect(body.param).toBe(param)
  return body
}

export async function spaceId(s: TestServer, name: string): Promise<string> {
  const space = await s.rt.store.spaces.byName(name)
  if (!space) throw new Error(`no space ${name}`)
  return space.id
}

async function getJson<T>(s: TestServer, path: string, token: string): Promise<T> {
  const res = await s.call('GET', path, { token })
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

async function all<T>(s: TestServer, path: string, field: string, token: string): Promise<T[]> {
  const out: T[] = []
  let pageToken: string | undefined
  do {
    const q = new URLSearchParams({ pageSize: '1000' })
    if (pageToken) q.set('pageToken', pageToken)
    if (path.includes('/tokens')) q.set('showRevoked', 'true')
    const page = await getJson<Record<string, unknown>>(s, `${path}?${q}`, token)
    out.push(...(page[field] as T[]))
    pageToken = page.nextPageToken as string | undefined
  } while (pageToken)
  return out
}

export interface SpaceState {
  space: unknown
  resources: unknown[]
  members: unknown[]
  serviceAccounts: unknown[]
  tokens: unknown[]
  petitions: unknown[]
  approvalRules: unknown[]
  auditInputs: unknown[]
  policies: unknown
  auditHead: unknown
}

/**
 * Everything a space holds, read through the API with an editor's token (and the audit head from the
 * store): equal states before and after a request mean the request changed nothing.
 */
export async function spaceState(
  s: TestServer,
  space = 'default',
  token = s.boot.token,
): Promise<SpaceState> {
  const base = `/v1/spaces/${space}`
  return {
    space: await getJson(s, base, token),
    resources: await all(s, `${base}/resources`, 'resources', token),
    members: await all(s, `${base}/members`, 'members', token),
    serviceAccounts: await all(s, `${base}/serviceAccounts`, 'serviceAccounts', token),
    tokens: await all(s, `${base}/tokens`, 'tokens', token),
    petitions: await all(s, `${base}/petitions`, 'petitions', token),
    approvalRules: await all(s, `${base}/approvalRules`, 'approvalRules', token),
    auditInputs: await all(s, `${base}/auditInputs`, 'auditInputs', token),
    policies: await getJson(s, `${base}/policies`, token),
    auditHead: await s.rt.store.audit.head(await spaceId(s, space)),
  }
}

/** The audit events of a space, parsed, in chain order. */
export async function auditEvents(s: TestServer, space = 'default'): Promise<AuditEvent[]> {
  const out: AuditEvent[] = []
  for await (const row of s.rt.store.audit.scan(await spaceId(s, space))) {
    out.push(JSON.parse(row.body) as AuditEvent)
  }
  return out
}

export interface AuditEvent {
  id: string
  event: string
  actor?: { kind?: string; id?: string; email?: string }
  resources?: { kind?: string; id?: string }[]
  timestamp: string
  meta?: { labels?: Record<string, string> }
}

/** A signed-in user's access token (JWT), for a user that exists in the store. */
export async function userToken(s: TestServer, email: string, ttlSeconds = 3600): Promise<string> {
  const user = await s.rt.store.principals.userByEmail(email)
  if (!user) throw new Error(`no user ${email}`)
  return s.rt.signer.sign({ email: user.email, userId: user.id }, ttlSeconds)
}

export const adminToken = (s: TestServer) => userToken(s, s.boot.adminEmail)
