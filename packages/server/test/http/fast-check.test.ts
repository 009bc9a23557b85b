import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { type BootstrapResult, bootstrap } from '../../src/domain/bootstrap.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { type RunningServer, startServer } from '../../src/server.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'
import { expectEnvelope } from './support.js'

/**
 * The approval check's fast path (http/fast-check.ts), over real HTTP to a listening server: a repeat
 * of a granted check is answered before the app, and only while everything behind it still holds.
 */
describe.each(ENGINES)('the approval check fast path on %s', (engine) => {
  let db: TestDatabase
  let rt: Runtime
  let server: RunningServer
  let boot: BootstrapResult
  const lines: { msg?: string; cached?: boolean; requestId?: string; count?: number }[] = []
  const S = '/v1/spaces/default'

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    const config = loadConfig(
      { databaseUrl: db.databaseUrl, dataDir: db.dataDir, port: 0 },
      { LOG_LEVEL: 'debug', OPENINDENT_VALIDATE_RESPONSES: 'true' },
    )
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    rt = await openRuntime(config, { logger: pino({ level: 'debug' }, sink) })
    const first = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    if (!first) throw new Error('no bootstrap')
    boot = first
    server = await startServer(rt)
    const admin = await tokenOf(boot.adminEmail)
    for (const email of ['bob@example.com', 'alice@example.com']) {
      const res = await call('PUT', `${S}/members/${email}`, admin, { member: { roles: ['editor'] } })
      expect(res.status).toBe(200)
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
  const call = (method: string, path: string, token: string, body?: unknown, headers = {}) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
  const checkBody = (customer: string) =>
    JSON.stringify({
      petitioners: [{ kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }],
      resources: [{ kind: 'customer', id: customer }],
    })
  const check = (customer: string, headers: Record<string, string> = {}) =>
    call('POST', `${S}/approvals:check`, boot.token, checkBody(customer), headers)
  /** Opens a petition for `customer` and has bob approve it: the check is then granted. */
  const grant = async (customer: string) => {
    const opened = (await (await check(customer)).json()) as { status: string; petition: { name: string } }
    expect(opened.status).toBe('waiting')
    const claim = {
      claim: { event: 'access/approve', meta: { labels: { 'indent.com/time/duration': '1h' } } },
    }
    const approved = await call(
      'POST',
      `${S}/petitions/${opened.petition.name}/claims`,
      await tokenOf('bob@example.com'),
      claim,
    )
    expect(approved.status).toBe(200)
    return opened.petition.name
  }
  /** Whether the answer to the request with this id went out through the fast path (its debug line). */
  const fast = (requestId: string) => lines.some((l) => l.requestId === requestId && l.cached === true)
  let seq = 0
  const ask = async (customer: string) => {
    const requestId = `fastcheck-${engine}-${seq++}`
    const res = await check(customer, { 'x-request-id': requestId })
    expect(res.headers.get('x-request-id')).toBe(requestId)
    return { res, text: await res.text(), fast: () => fast(requestId) }
  }

  it('answers a repeated granted check from the cache, byte for byte, before the app', async () => {
    await grant('cus_fast')
    const first = await ask('cus_fast')
    expect(first.res.status).toBe(200)
    expect(JSON.parse(first.text).status).toBe('granted')
    const again = await ask('cus_fast')
    expect(again.res.status).toBe(200)
    expect(again.res.headers.get('content-type')).toBe('application/json')
    expect(again.text).toBe(first.text)
    expect(again.fast()).toBe(true)
    // The bytes are the key: the same request spelled differently is answered by the app.
    const spaced = await call('POST', `${S}/approvals:check`, boot.token, ` ${checkBody('cus_fast')}`)
    expect(JSON.parse(await spaced.text()).status).toBe('granted')
  })

  it('stops answering from the cache once the grant is revoked', async () => {
    const petition = await grant('cus_revoked')
    await ask('cus_revoked')
    expect((await ask('cus_revoked')).fast()).toBe(true)
    const revoke = { claim: { event: 'access/revoke', reason: 'done' } }
    const res = await call(
      'POST',
      `${S}/petitions/${petition}/claims`,
      await tokenOf('bob@example.com'),
      revoke,
    )
    expect(res.status).toBe(200)
    const after = await ask('cus_revoked')
    expect(after.fast()).toBe(false)
    expect(JSON.parse(after.text).status).not.toBe('granted')
  })

  it('keeps the cached answer through writes that do not touch it, drops it on a membership change', async () => {
    await grant('cus_busy')
    await ask('cus_busy')
    expect((await ask('cus_busy')).fast()).toBe(true)
    // Another customer's petition granted, a resource uploaded: narrow writes elsewhere.
    await grant('cus_elsewhere')
    const upload = { resources: [{ kind: 'customer', id: 'cus_other', labels: { plan: 'pro' } }] }
    expect((await call('PUT', `${S}/resources:bulkUpdate`, boot.token, upload)).status).toBe(200)
    const kept = await ask('cus_busy')
    expect(JSON.parse(kept.text).status).toBe('granted')
    expect(kept.fast()).toBe(true)
    // A member added: memberships are what auth caches hold, so every cached answer goes.
    const admin = await tokenOf(boot.adminEmail)
    const member = await call('PUT', `${S}/members/carol@example.com`, admin, {
      member: { roles: ['viewer'] },
    })
    expect(member.status).toBe(200)
    const dropped = await ask('cus_busy')
    expect(JSON.parse(dropped.text).status).toBe('granted')
    expect(dropped.fast()).toBe(false)
  })

  it('makes identical requests that miss together wait for the first instead of all asking the app', async () => {
    await grant('cus_burst')
    await ask('cus_burst')
    expect((await ask('cus_burst')).fast()).toBe(true)
    // A membership change drops every cache: the next burst all misses at once.
    const admin = await tokenOf(boot.adminEmail)
    const member = { member: { roles: ['viewer'] } }
    expect((await call('PUT', `${S}/members/dave@example.com`, admin, member)).status).toBe(200)
    const ids = Array.from({ length: 40 }, (_, i) => `fastcheck-${engine}-burst-${i}`)
    const texts = await Promise.all(
      ids.map(async (id) => (await check('cus_burst', { 'x-request-id': id })).text()),
    )
    expect(new Set(texts).size).toBe(1)
    expect(JSON.parse(texts[0] ?? '').status).toBe('granted')
    const byApp = lines.filter((l) => ids.includes(l.requestId ?? '') && l.cached !== true).length
    expect(byApp).toBeLessThanOrEqual(2)
    expect(ids.filter((id) => fast(id)).length).toBeGreaterThanOrEqual(38)
  })

  it('leaves auth and validation to the app: a bad token or body gets the usual error envelope', async () => {
    await grant('cus_errors')
    await ask('cus_errors')
    expect((await ask('cus_errors')).fast()).toBe(true)
    const wrongToken = await call('POST', `${S}/approvals:check`, 'not-a-token', checkBody('cus_errors'))
    expect(wrongToken.status).toBe(401)
    await expectEnvelope(wrongToken)
    const badJson = await call('POST', `${S}/approvals:check`, boot.token, '{"petitioners": [')
    expect(badJson.status).toBe(400)
    await expectEnvelope(badJson)
    const badShape = await call('POST', `${S}/approvals:check`, boot.token, { petitioners: 'alice' })
    expect(badShape.status).toBe(400)
    await expectEnvelope(badShape)
    const otherSpace = await call(
      'POST',
      '/v1/spaces/nowhere/approvals:check',
      boot.token,
      checkBody('cus_errors'),
    )
    expect(otherSpace.status).toBe(404)
    await expectEnvelope(otherSpace)
  })

  it('sums cached answers up in one info line instead of one per answer', async () => {
    await server.close(0)
    const summed = lines.filter((l) => l.msg === 'cached approval check answers')
    const answered = lines.filter((l) => l.cached === true).length
    expect(answered).toBeGreaterThan(0)
    expect(summed.reduce((n, l) => n + (l.count ?? 0), 0)).toBe(answered)
  })
})
