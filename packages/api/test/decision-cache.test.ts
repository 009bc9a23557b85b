import type { PetitionResource } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { AuthenticationError, type IndentAPI } from '../src/index.js'
import { ENGINES, type LiveServer, startLiveServer, unique } from './live-server.js'

const customer = (): PetitionResource => ({ kind: 'customer', id: unique('cus') })
const user = (): PetitionResource => {
  const email = `${unique('user')}@example.com`
  return { kind: 'user', id: email, email }
}

/**
 * The SDK's decision cache against a real server over real HTTP: repeated checks of a live grant are
 * answered from memory, and a change made elsewhere (here with plain fetch, so that this process's
 * own write rule cannot be what drops the answer) is pushed by the watch stream.
 */
describe.each(ENGINES)('the decision cache against the server on %s', (engine) => {
  let server: LiveServer
  /** The first-run admin (a person): approves and revokes through plain HTTP. */
  let adminToken: string

  beforeAll(async () => {
    server = await startLiveServer(engine)
    adminToken = server.adminToken
  })
  afterAll(() => server.close())

  /** A claim through plain HTTP, as another process would send it. */
  const claim = async (petition: string, event: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(`${server.baseURL}/spaces/${server.space}/petitions/${petition}/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ claim: { event, ...extra } }),
    })
    expect(res.status).toBe(200)
  }
  /** A granted request, checked once through `client` (which opens the stream), and its petition. */
  const granted = async (client: IndentAPI) => {
    const request = { petitioners: [user()], resources: [customer()] }
    const opened = await client.petition.check(request)
    expect(opened.status).toBe('waiting')
    await claim(opened.petition.name, 'access/approve', {
      meta: { labels: { 'indent.com/time/duration': '1h' } },
    })
    expect((await client.petition.check(request)).status).toBe('granted')
    return { request, petition: opened.petition.name }
  }
  /** Checks until an answer comes from memory (the stream is up), at most 5 s. */
  const cachedOnce = async (client: IndentAPI, request: Parameters<IndentAPI['petition']['check']>[0]) => {
    const until = Date.now() + 5000
    for (;;) {
      const hits = client.decisions?.stats.hits ?? 0
      expect((await client.petition.check(request)).status).toBe('granted')
      if ((client.decisions?.stats.hits ?? 0) > hits) return
      if (Date.now() > until) throw new Error('no check was answered from the cache within 5 s')
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  test('answers a repeated check of a live grant from memory, in microseconds, with no request', async () => {
    const client = server.client()
    try {
      const { request } = await granted(client)
      await cachedOnce(client, request)
      const misses = client.decisions?.stats.misses ?? 0
      const started = performance.now()
      for (let i = 0; i < 2000; i++) {
        const answer = await client.petition.check(request)
        expect(answer.status).toBe('granted')
      }
      const perCheckUs = ((performance.now() - started) * 1000) / 2000
      expect(client.decisions?.stats.misses).toBe(misses)
      // Generous for a busy test machine; the bench measures it properly.
      expect(perCheckUs).toBeLessThan(500)
    } finally {
      client.decisions?.close()
    }
  })

  test('a revoke made elsewhere is pushed: the next checks ask the server and are not granted', async () => {
    const client = server.client()
    try {
      const { request, petition } = await granted(client)
      await cachedOnce(client, request)
      const events = client.decisions?.stats.events ?? 0
      await claim(petition, 'access/revoke', { reason: 'done' })
      const revoked = performance.now()
      // Without the push the answer would be kept for 10 s (the cache's maximum age).
      for (;;) {
        const answer = await client.petition.check(request)
        if (answer.status !== 'granted') break
        expect(performance.now() - revoked).toBeLessThan(1000)
      }
      expect(client.decisions?.stats.events).toBeGreaterThan(events)
    } finally {
      client.decisions?.close()
    }
  })

  test('a change to another request leaves the cached answer alone', async () => {
    const client = server.client()
    try {
      const { request } = await granted(client)
      await cachedOnce(client, request)
      const other = await granted(server.client({ decisionCache: false }))
      await claim(other.petition, 'access/revoke', { reason: 'done' })
      await new Promise((r) => setTimeout(r, 100))
      const misses = client.decisions?.stats.misses ?? 0
      expect((await client.petition.check(request)).status).toBe('granted')
      expect(client.decisions?.stats.misses).toBe(misses)
    } finally {
      client.decisions?.close()
    }
  })

  test('a revoked token ends the stream: its cached answers go, and the next check is refused', async () => {
    const account = unique('sa')
    const token = await server.serviceAccountToken(account, ['editor', 'petitionAdmin'])
    const client = server.client({ apiToken: token })
    try {
      const { request } = await granted(client)
      await cachedOnce(client, request)
      const list = await fetch(`${server.baseURL}/spaces/${server.space}/tokens`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
      const { tokens } = (await list.json()) as { tokens: { name: string; serviceAccount: string }[] }
      const mine = tokens.find((t) => t.serviceAccount === account)
      if (!mine) throw new Error('no token to revoke')
      const res = await fetch(`${server.baseURL}/spaces/${server.space}/tokens/${mine.name}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${adminToken}` },
      })
      expect(res.status).toBe(200)
      const revoked = performance.now()
      for (;;) {
        const err = await client.petition.check(request).catch((e: unknown) => e)
        if (err instanceof AuthenticationError) break
        expect(performance.now() - revoked).toBeLessThan(1500)
        await new Promise((r) => setTimeout(r, 10))
      }
    } finally {
      client.decisions?.close()
    }
  })

  test('decisionCache: false asks the server every time', async () => {
    const client = server.client({ decisionCache: false })
    const { request } = await granted(client)
    expect(client.decisions).toBeUndefined()
    const cached = server.client()
    try {
      await granted(cached)
      await cachedOnce(cached, request)
      const misses = cached.decisions?.stats.misses ?? 0
      expect((await cached.petition.check(request, { decisionCache: false })).status).toBe('granted')
      expect(cached.decisions?.stats.hits).toBeGreaterThan(0)
      expect(cached.decisions?.stats.misses).toBe(misses)
    } finally {
      cached.decisions?.close()
    }
  })
})
