import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

/** An audit input's DSN is handed to apps elsewhere: it must name the instance as the world reaches it. */
describe.each(ENGINES)('audit input DSN on %s', (engine) => {
  const servers: TestServer[] = []
  const create = async (s: TestServer, name: string) => {
    const res = await s.call('POST', '/v1/spaces/default/auditInputs', { body: { name } })
    expect(res.status).toBe(201)
    return ((await res.json()) as { dsn: string }).dsn
  }
  beforeAll(async () => {
    servers.push(await startTestServer(engine))
    servers.push(
      await startTestServer(engine, { env: { OPENINDENT_PUBLIC_URL: 'https://access.example.com/' } }),
    )
  })
  afterAll(() => Promise.all(servers.map((s) => s.close())))

  it("uses OPENINDENT_PUBLIC_URL when it is set, not the request's origin", async () => {
    expect(await create(servers[1] as TestServer, 'behind-proxy')).toMatch(
      /^https:\/\/access\.example\.com\/v1\/[a-z2-7]{32}$/,
    )
  })

  it("falls back to the request's origin without a configured URL", async () => {
    expect(await create(servers[0] as TestServer, 'local')).toMatch(/^http:\/\/localhost\/v1\/[a-z2-7]{32}$/)
  })
})
