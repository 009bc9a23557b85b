import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { openHandle } from '../store/support.js'

/** The documented bound (README, "Consistency across instances"), written out so a change shows here. */
const AUTH_CACHE_BOUND_MS = 10_000

describe.each(ENGINES)('a token revoked in SQL, behind the API, on %s', (engine) => {
  let s: TestServer

  beforeAll(async () => {
    s = await startTestServer(engine)
  })
  afterAll(() => s.close())

  const list = (token: string) => s.call('GET', '/v1/spaces/default/resources', { token })

  it(`is refused within ${AUTH_CACHE_BOUND_MS / 1000} s, though no instance was told`, async () => {
    await s.call('POST', '/v1/spaces/default/serviceAccounts', { body: { name: 'ci', roles: ['viewer'] } })
    const created = await s.call('POST', '/v1/spaces/default/tokens', { body: { serviceAccount: 'ci' } })
    const { name, accessToken } = (await created.json()) as { name: string; accessToken: string }
    // Used twice: the second answer comes from the cache.
    expect((await list(accessToken)).status).toBe(200)
    expect((await list(accessToken)).status).toBe(200)

    // As an operator would in psql: another connection, no announcement.
    const other = openHandle(s.db)
    try {
      await sql`UPDATE tokens SET revoke_time = ${s.clock.now()} WHERE id = ${name}`.execute(other.db)
    } finally {
      await other.close()
    }

    if (engine === 'postgres') {
      // Nothing tells the server: the cached answer stands until its time is up, and not a moment longer.
      s.clock.advance(AUTH_CACHE_BOUND_MS - 1)
      expect((await list(accessToken)).status).toBe(200)
      s.clock.advance(1)
    } else {
      // SQLite usually notices another connection's commit at once (data_version); the bound holds anyway.
      s.clock.advance(AUTH_CACHE_BOUND_MS)
    }
    const res = await list(accessToken)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED')
  })
})
