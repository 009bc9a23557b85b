import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { expectError } from './support.js'

/**
 * Indent's SDK retries a 409 three times unless told not to; every answer says whether a retry can
 * change it, as `x-should-retry`.
 */
describe.each(ENGINES)('retry verdicts on %s', (engine) => {
  let s: TestServer
  const base = '/v1/spaces/default'
  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  it('a final answer says x-should-retry: false (400, 401, 404, 409, 415)', async () => {
    const answers = [
      await s.call('POST', `${base}/resources`, { body: { resource: { kind: '' } } }),
      await s.call('GET', `${base}/resources`, { token: 'nope' }),
      await s.call('GET', '/v1/nowhere'),
      await s.call('POST', `${base}/resources`, { rawBody: 'x', headers: { 'content-type': 'text/plain' } }),
    ]
    const resource = { kind: 'customer', id: 'dup' }
    await s.call('POST', `${base}/resources`, { body: { resource } })
    answers.push(await s.call('POST', `${base}/resources`, { body: { resource } }))
    expect(answers.map((r) => r.status)).toEqual([400, 401, 404, 415, 409])
    for (const r of answers) expect(r.headers.get('x-should-retry'), String(r.status)).toBe('false')
  })

  it('a request whose idempotency key is still in progress is a 409 worth retrying', async () => {
    const body = JSON.stringify({ resource: { kind: 'customer', id: 'racing' } })
    const path = `${base}/resources`
    const sa = await s.rt.store.principals.serviceAccountByName(
      (await s.rt.store.spaces.byName('default'))?.id ?? '',
      'bootstrap',
    )
    const hash = createHash('sha256').update(`POST ${path}\n${body}`).digest('hex')
    // Another request with this key is in flight: it claimed the key and has not finished.
    await s.rt.store.idempotency.claim(`sa:${sa?.id}`, 'k-1', hash, s.clock.now())
    const res = await s.call('POST', path, { rawBody: body, headers: { 'idempotency-key': 'k-1' } })
    await expectError(res, 409, 'CONFLICT')
    expect(res.headers.get('x-should-retry')).toBe('true')
  })

  it('a success carries no verdict', async () => {
    const res = await s.call('GET', `${base}/resources`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-should-retry')).toBeNull()
  })
})
