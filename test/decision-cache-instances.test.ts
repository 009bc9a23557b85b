import { setTimeout as sleep } from 'node:timers/promises'
import { IndentAPI } from '@openindent/api'
import type { PetitionResource } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { runCli, type ServerProcess, startServerProcess } from './support/server-process.js'
import { api, startTwoInstances, type TwoInstances } from './support/two-instances.js'

const S = '/spaces/default'
let seq = 0
const request = () => ({
  petitioners: [
    { kind: 'user', id: 'oncall@example.com', email: 'oncall@example.com' },
  ] as PetitionResource[],
  resources: [{ kind: 'customer', id: `cus_dc_${seq++}` }] as PetitionResource[],
})

/** Opens a petition through `client` and has the admin approve it on `server`: granted. */
async function grant(
  client: IndentAPI,
  server: ServerProcess,
  admin: string,
  req: ReturnType<typeof request>,
  duration = '1h',
) {
  const opened = await client.petition.check(req, { decisionCache: false })
  const claim = {
    claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': duration } } },
  }
  expect(
    (await api(server, admin, 'POST', `${S}/petitions/${opened.petition.name}/claims`, claim)).status,
  ).toBe(200)
  return opened.petition.name
}

/** Checks until the answer comes from memory (the stream is up and the answer kept). */
async function cached(client: IndentAPI, req: ReturnType<typeof request>): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const hits = client.decisions?.stats.hits ?? 0
    expect((await client.petition.check(req)).status).toBe('granted')
    if ((client.decisions?.stats.hits ?? 0) > hits) return
    expect(Date.now()).toBeLessThan(deadline)
    await sleep(10)
  }
}

const held = (client: IndentAPI, req: ReturnType<typeof request>) =>
  client.decisions?.lookup('default', req.petitioners, req.resources) !== undefined

describe('the decision cache across instances (PostgreSQL)', () => {
  let two: TwoInstances
  let admin: string

  beforeAll(async () => {
    two = await startTwoInstances()
    admin = two.cli('token', 'create', '--space', 'default', '--user', 'admin@localhost')
  })
  afterAll(async () => {
    expect(await two?.stop()).toEqual([0, 0])
  })

  it('a grant revoked on B is dropped by SDK clients watching A, 20 times in a row', async () => {
    const clients = [0, 1, 2].map(
      () => new IndentAPI({ baseURL: two.a.apiUrl, apiToken: two.token, spaceName: 'default' }),
    )
    try {
      for (let i = 0; i < 20; i++) {
        const req = request()
        const petition = await grant(clients[0] as IndentAPI, two.a, admin, req)
        for (const c of clients) await cached(c, req)
        const revoke = { claim: { event: 'access/revoke', reason: 'done' } }
        expect((await api(two.b, admin, 'POST', `${S}/petitions/${petition}/claims`, revoke)).status).toBe(
          200,
        )
        const returned = Date.now()
        while (clients.some((c) => held(c, req))) {
          // Without the push the answers would stay for 10 s (the cache's maximum age).
          expect(Date.now() - returned).toBeLessThan(1000)
          await sleep(1)
        }
        for (const c of clients) expect((await c.petition.check(req)).status).not.toBe('granted')
      }
    } finally {
      for (const c of clients) c.decisions?.close()
    }
  })
})

describe('the decision cache while the stream is silent (SQLite)', () => {
  let db: TestDatabase
  let server: ServerProcess
  let admin: string

  beforeAll(async () => {
    db = await createTestDatabase('sqlite')
    server = await startServerProcess({ dataDir: db.dataDir })
    admin = runCli(db, 'token', 'create', '--space', 'default', '--user', 'admin@localhost').trim()
  })
  afterAll(async () => {
    server.child.kill('SIGCONT')
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  it('trusts cached answers for at most staleAfterMs after the server last spoke', async () => {
    const client = new IndentAPI({
      baseURL: server.apiUrl,
      apiToken: server.token ?? '',
      spaceName: 'default',
      decisionCache: { staleAfterMs: 600 },
    })
    try {
      const req = request()
      await grant(client, server, admin, req)
      await cached(client, req)
      // The server stops (as a hung process or a cut network would): its stream goes silent.
      server.child.kill('SIGSTOP')
      const stopped = Date.now()
      while (held(client, req)) await sleep(5)
      const trusted = Date.now() - stopped
      expect(trusted).toBeLessThanOrEqual(600 + 50)
      server.child.kill('SIGCONT')
      // Back: the stream reconnects or resumes, and the next answers come from memory again.
      await cached(client, req)
    } finally {
      server.child.kill('SIGCONT')
      client.decisions?.close()
    }
  })

  it("honours the grant's expiry locally, even with the server silent and a long staleness bound", async () => {
    const client = new IndentAPI({
      baseURL: server.apiUrl,
      apiToken: server.token ?? '',
      spaceName: 'default',
      decisionCache: { staleAfterMs: 60_000 },
    })
    try {
      const req = request()
      await grant(client, server, admin, req, '3s')
      await cached(client, req)
      const answer = client.decisions?.lookup('default', req.petitioners, req.resources)
      const expireAt = Date.parse(answer?.expireTime ?? '')
      expect(expireAt).toBeGreaterThan(Date.now())
      // Silent from here: no expiry event can arrive, only the local clock can end the answer.
      server.child.kill('SIGSTOP')
      while (held(client, req)) {
        expect(Date.now()).toBeLessThan(expireAt + 100)
        await sleep(5)
      }
      expect(Date.now()).toBeGreaterThanOrEqual(expireAt - 100)
    } finally {
      server.child.kill('SIGCONT')
      client.decisions?.close()
    }
  })
})
