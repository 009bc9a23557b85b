import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { type BootstrapResult, bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { type RunningServer, startServer } from '../../src/server.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'
import { expectEnvelope } from './support.js'

interface Heard {
  event: string
  data: Record<string, unknown>
}

/** An open watch stream: the events heard so far, and how to wait for one. */
interface Stream {
  heard: Heard[]
  until(match: (h: Heard) => boolean, ms?: number): Promise<Heard>
  ended: Promise<void>
  close(): void
}

/**
 * `GET …/approvals:watch` over real HTTP: what the SDK's decision cache listens to. Who hears what is
 * a security matter (a petition's people and targets), so it is asserted on both engines.
 */
describe.each(ENGINES)('the approval watch stream on %s', (engine) => {
  let db: TestDatabase
  let rt: Runtime
  let server: RunningServer
  let boot: BootstrapResult
  const S = '/v1/spaces/default'

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir, port: 0 },
      { LOG_LEVEL: 'silent', OPENINDENT_VALIDATE_RESPONSES: 'true' },
    )
    rt = await openRuntime(config, { logger: pino({ level: 'silent' }) })
    const first = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    if (!first) throw new Error('no bootstrap')
    boot = first
    server = await startServer(rt)
    const admin = await tokenOf(boot.adminEmail)
    for (const [email, roles] of [
      ['bob@example.com', ['editor']],
      ['vic@example.com', ['viewer']],
    ] as const) {
      expect((await call('PUT', `${S}/members/${email}`, admin, { member: { roles } })).status).toBe(200)
    }
  })
  afterAll(async () => {
    await server.close(0)
    await db.drop()
  })

  const tokenOf = async (email: string) => {
    const user = await rt.store.principals.userByEmail(email)
    if (!user) throw new Error(`no user ${email}`)
    return rt.signer.sign({ email: user.email, userId: user.id }, 3600)
  }
  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  const watch = async (token: string): Promise<Stream> => {
    const abort = new AbortController()
    const res = await fetch(`${server.url}${S}/approvals:watch`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const heard: Heard[] = []
    const waiters = new Set<() => void>()
    const reader = res.body?.getReader()
    if (!reader) throw new Error('no body')
    const ended = (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buffer += decoder.decode(value, { stream: true })
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = /^event: (.*)$/m.exec(block)?.[1] ?? ''
            const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>
            heard.push({ event, data })
            for (const w of waiters) w()
          }
        }
      } catch {
        // Aborted by close().
      }
    })()
    const until = (match: (h: Heard) => boolean, ms = 3000) =>
      new Promise<Heard>((resolve, reject) => {
        const look = () => {
          const found = heard.find(match)
          if (!found) return
          waiters.delete(look)
          clearTimeout(timer)
          resolve(found)
        }
        const timer = setTimeout(() => {
          waiters.delete(look)
          reject(new Error(`not heard within ${ms} ms: ${JSON.stringify(heard.map((h) => h.event))}`))
        }, ms)
        waiters.add(look)
        look()
      })
    await until((h) => h.event === 'ready')
    return { heard, until, ended, close: () => abort.abort() }
  }

  /** A petition for `email` × a new customer, opened by the service account; returns its name. */
  let seq = 0
  const open = async (email: string) => {
    const res = await call('POST', `${S}/approvals:check`, boot.token, {
      petitioners: [{ kind: 'user', email }],
      resources: [{ kind: 'customer', id: `cus_watch_${seq++}` }],
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as { petition: { name: string } }).petition.name
  }

  it('is refused without a valid token or to a space the caller cannot see, with the error envelope', async () => {
    const none = await fetch(`${server.url}${S}/approvals:watch`)
    expect(none.status).toBe(401)
    await expectEnvelope(none)
    const bad = await fetch(`${server.url}${S}/approvals:watch`, {
      headers: { authorization: 'Bearer nope' },
    })
    expect(bad.status).toBe(401)
    await expectEnvelope(bad)
    const elsewhere = await call('GET', '/v1/spaces/nowhere/approvals:watch', boot.token)
    expect(elsewhere.status).toBe(404)
    await expectEnvelope(elsewhere)
  })

  it("tells a petitionAdmin every petition's changes, with its people and targets, and pings", async () => {
    const stream = await watch(boot.token)
    try {
      const name = await open('alice@example.com')
      const opened = await stream.until((h) => h.event === 'petition' && h.data.petition === name)
      expect(opened.data).toMatchObject({
        type: 'opened',
        petitioners: ['user/alice@example.com'],
        resources: [expect.stringMatching(/^customer\/cus_watch_/)],
      })
      const bob = await tokenOf('bob@example.com')
      const claim = {
        claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '1h' } } },
      }
      expect((await call('POST', `${S}/petitions/${name}/claims`, bob, claim)).status).toBe(200)
      const revoke = { claim: { event: 'access/revoke', reason: 'done' } }
      expect((await call('POST', `${S}/petitions/${name}/claims`, bob, revoke)).status).toBe(200)
      await stream.until(
        (h) => h.event === 'petition' && h.data.petition === name && h.data.type === 'revoked',
      )
      const ping = await stream.until((h) => h.event === 'ping')
      expect(typeof ping.data.now).toBe('number')
    } finally {
      stream.close()
    }
  })

  it("tells anyone else only of their own petitions, never another person's", async () => {
    const vic = await tokenOf('vic@example.com')
    const stream = await watch(vic)
    try {
      const others = await open('alice@example.com')
      const own = await open('vic@example.com')
      await stream.until((h) => h.event === 'petition' && h.data.petition === own)
      // Events are sent in commit order: had alice's been sent, it would be in already.
      expect(stream.heard.some((h) => h.data.petition === others)).toBe(false)
    } finally {
      stream.close()
    }
  })

  it('ends the stream once its token loses access to the space', async () => {
    const admin = await tokenOf(boot.adminEmail)
    expect(
      (await call('PUT', `${S}/members/gone@example.com`, admin, { member: { roles: ['viewer'] } })).status,
    ).toBe(200)
    const stream = await watch(await tokenOf('gone@example.com'))
    expect((await call('DELETE', `${S}/members/gone@example.com`, admin)).status).toBe(200)
    const end = await stream.until((h) => h.event === 'end')
    expect(end.data.reason).toMatch(/access/)
    await stream.ended
  })
})
