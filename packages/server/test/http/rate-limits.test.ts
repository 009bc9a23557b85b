import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { ATTEMPT_LIMITS } from '../../src/domain/auth/attempts.js'
import { type BootstrapResult, bootstrap } from '../../src/domain/bootstrap.js'
import { rateKey } from '../../src/http/client-address.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { type RunningServer, startServer } from '../../src/server.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'
import { expectEnvelope } from './support.js'

const SIGN_IN = ATTEMPT_LIMITS.signIn
const BEARER = ATTEMPT_LIMITS.bearer

interface Instance {
  rt: Runtime
  server: RunningServer
}

/** A real listening server: the client address comes from the socket. */
async function serve(db: TestDatabase, env: Record<string, string> = {}): Promise<Instance> {
  const config = loadConfig(
    { databaseUrl: db.databaseUrl, dataDir: db.dataDir, port: 0 },
    { LOG_LEVEL: 'silent', ...env },
  )
  const rt = await openRuntime(config, { logger: pino({ level: 'silent' }) })
  return { rt, server: await startServer(rt) }
}

/** Sends the requests one after another (the counts are then exact) and returns their statuses. */
async function statuses(n: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const res = await send(i)
    out.push(res.status)
    await res.arrayBuffer()
  }
  return out
}

const count = (list: number[], status: number) => list.filter((s) => s === status).length

describe.each(ENGINES)('rate limits on failed authentication on %s', (engine) => {
  let db: TestDatabase
  let boot: BootstrapResult
  const running: Instance[] = []

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    const rt = await openRuntime(
      loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' }),
      {
        logger: pino({ level: 'silent' }),
      },
    )
    const first = await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
    if (!first) throw new Error('no bootstrap')
    boot = first
    await rt.close()
  })
  afterEach(async () => {
    for (const i of running.splice(0)) await i.server.close(0)
    // Counters of one test must not leak into the next (PostgreSQL keeps them in the database).
    if (engine === 'postgres') {
      const rt = await openRuntime(
        loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' }),
      )
      await rt.store.db.deleteFrom('rate_limits' as never).execute()
      await rt.close()
    }
  })
  afterAll(() => db.drop())

  async function start(env: Record<string, string> = {}): Promise<Instance> {
    const i = await serve(db, env)
    running.push(i)
    return i
  }
  const signIn = (i: Instance, code: string, headers: Record<string, string> = {}) =>
    fetch(`${i.server.url}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ grantType: 'signInCode', code }),
    })
  const get = (i: Instance, token: string, headers: Record<string, string> = {}) =>
    fetch(`${i.server.url}/v1/spaces/default/resources`, {
      headers: { authorization: `Bearer ${token}`, ...headers },
    })
  /** A guessed secret: random, as a brute force's guesses are (so each names a different identity). */
  const guess = (_n: number) => `oi_signin_${randomBytes(32).toString('base64url')}`

  it(`a burst of guessed sign-in codes: ${SIGN_IN.address.points} get 401, the rest 429 with Retry-After; then even the right code is refused and stays unspent`, async () => {
    const i = await start()
    const got = await statuses(100, (n) => signIn(i, guess(n)))
    expect(got.slice(0, SIGN_IN.address.points)).toEqual(Array(SIGN_IN.address.points).fill(401))
    expect(count(got, 429)).toBe(100 - SIGN_IN.address.points)
    const limited = await signIn(i, guess(1000))
    expect(limited.status).toBe(429)
    const retryAfter = Number(limited.headers.get('retry-after'))
    expect(Number.isInteger(retryAfter)).toBe(true)
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(SIGN_IN.address.blockSeconds)
    const body = await expectEnvelope(limited)
    expect(body).toMatchObject({ code: 'RATE_LIMITED', type: 'rate_limit_error' })
    // The real code, from the blocked address: 429, and not consumed.
    expect((await signIn(i, boot.signInCode)).status).toBe(429)
    const rows = await i.rt.store.db
      .selectFrom('sign_in_codes' as never)
      .selectAll()
      .execute()
    expect(JSON.stringify(rows)).not.toMatch(/"used_time":\d/)
  })

  it(`bad bearer tokens: ${BEARER.address.points} get 401, then 429; a valid cached token is not slowed, an unverified one is refused`, async () => {
    const i = await start()
    // Used once, so cached: the hot path of a valid token never reaches the limiter.
    expect((await get(i, boot.token)).status).toBe(200)
    const got = await statuses(BEARER.address.points + 20, (n) =>
      get(i, `oi_sa_${randomBytes(32).toString('base64url')}${n}`),
    )
    expect(got.slice(0, BEARER.address.points)).toEqual(Array(BEARER.address.points).fill(401))
    expect(got.slice(BEARER.address.points)).toEqual(Array(20).fill(429))
    expect((await get(i, boot.token)).status).toBe(200)
    // A valid token this server has not verified yet: refused while the address is blocked, so a
    // blocked client cannot tell a right guess from a wrong one.
    const admin = await i.rt.store.principals.userByEmail('admin@example.com')
    const fresh = await i.rt.signer.sign({ email: 'admin@example.com', userId: admin?.id ?? '' }, 600)
    const refused = await get(i, fresh)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    // A missing token is not an attempt at anything: still 401.
    expect((await fetch(`${i.server.url}/v1/spaces`)).status).toBe(401)
  })

  it('X-Forwarded-For is ignored unless OPENINDENT_TRUST_PROXY says so', async () => {
    const i = await start()
    const got = await statuses(SIGN_IN.address.points + 5, (n) =>
      signIn(i, guess(n), { 'x-forwarded-for': `203.0.113.${n}` }),
    )
    expect(count(got, 429)).toBe(5)
  })

  it('behind a trusted proxy, each client address is counted on its own, and per identity too', async () => {
    const i = await start({ OPENINDENT_TRUST_PROXY: '1' })
    // The proxy appends the address it saw; anything left of it is the client's claim.
    const from = (ip: string) => ({ 'x-forwarded-for': `10.9.9.9, ${ip}` })
    const a = await statuses(SIGN_IN.address.points + 1, (n) => signIn(i, guess(n), from('198.51.100.1')))
    expect(a.at(-1)).toBe(429)
    const b = await signIn(i, guess(500), from('198.51.100.2'))
    expect(b.status).toBe(401)

    // One identity (a JWT's sub) tried from many addresses: limited once past its own limit…
    const victim = 'admin@example.com'
    const forged = (n: number) =>
      `${Buffer.from('{"alg":"ES256","kid":"x"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: victim, n })).toString('base64url')}.c2ln`
    const spread = await statuses(BEARER.identity.points + 3, (n) =>
      get(i, forged(n), from(`192.0.2.${n + 1}`)),
    )
    expect(spread.slice(0, BEARER.identity.points)).toEqual(Array(BEARER.identity.points).fill(401))
    expect(spread.slice(BEARER.identity.points)).toEqual([429, 429, 429])
    // …but the victim's own valid token still works: failures by others cannot lock a user out.
    const admin = await i.rt.store.principals.userByEmail(victim)
    const own = await i.rt.signer.sign({ email: victim, userId: admin?.id ?? '' }, 600)
    expect((await get(i, own, from('192.0.2.200'))).status).toBe(200)
  })

  it('client addresses: IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    expect(rateKey('::ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(rateKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64')
    expect(rateKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(rateKey('::1')).toBe('0:0:0:0::/64')
    expect(rateKey('203.0.113.9')).toBe('203.0.113.9')
  })

  if (engine === 'postgres') {
    it('on PostgreSQL the limit holds across instances sharing the database', async () => {
      const a = await start()
      const b = await start()
      const half = SIGN_IN.address.points / 2
      expect(await statuses(half, (n) => signIn(a, guess(n)))).toEqual(Array(half).fill(401))
      expect(await statuses(half, (n) => signIn(b, guess(100 + n)))).toEqual(Array(half).fill(401))
      // The next failure, at either instance, is over the shared limit.
      expect((await signIn(a, guess(999))).status).toBe(429)
      expect((await signIn(b, guess(998))).status).toBe(429)
    })
  }
})
