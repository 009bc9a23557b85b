import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import SqliteDatabase from 'better-sqlite3'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { CACHE_TTL_MS } from '../../src/domain/cache.js'
import { sha256Hex } from '../../src/domain/ids.js'
import { SESSION_TTL_MS } from '../../src/domain/sessions/sessions.js'
import { createApp } from '../../src/http/app.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'
import { PageClient } from './dashboard-support.js'

const ADMIN = 'admin@example.com'
const INBOX = '/spaces/default/inbox'

describe.each(ENGINES)('dashboard sessions, cached, on %s', (engine) => {
  let s: TestServer
  /** A second instance of the server on the same database, as behind a load balancer. */
  let other: Runtime
  let otherServer: TestServer
  let lookups: number
  let userReads: number

  beforeAll(async () => {
    s = await startTestServer(engine)
    const config = loadConfig(
      { databaseUrl: s.db.databaseUrl, dataDir: s.db.dataDir, space: 'default' },
      { LOG_LEVEL: 'silent' },
    )
    other = await openRuntime(config, { clock: s.clock, logger: pino({ level: 'silent' }) })
    otherServer = { ...s, rt: other, app: createApp(other) }
    // Counts the store's reads, to tell a cached answer from a fresh one; the reads themselves are real.
    const sessions = s.rt.store.sessions
    const findActive = sessions.findActive.bind(sessions)
    sessions.findActive = (hash, now) => {
      lookups++
      return findActive(hash, now)
    }
    const principals = s.rt.store.principals
    const userById = principals.userById.bind(principals)
    principals.userById = (id) => {
      userReads++
      return userById(id)
    }
  })
  afterAll(async () => {
    await other.close()
    await s.close()
  })

  const count = () => {
    lookups = 0
    userReads = 0
  }

  /** The same browser's cookie, presented to another instance. */
  const sameCookieOn = (server: TestServer, browser: PageClient) => {
    const copy = new PageClient(server)
    copy.cookies.set('oi_session', browser.cookies.get('oi_session') ?? '')
    return copy
  }

  it('finds a session and its person in one read, then serves the next pages without one', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    count()
    await browser.page(INBOX)
    await browser.page('/spaces/default/grants')
    expect(lookups).toBe(0)
    // Any commit makes cached answers stale: the next page reads the session again, with its person.
    s.rt.caches.freshness.bump()
    await browser.page(INBOX)
    expect(lookups).toBe(1)
    expect(userReads).toBe(0)
  })

  it('refuses a cached session at once after sign-out, on this instance', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    await browser.page(INBOX)
    const copy = sameCookieOn(s, browser)
    count()
    expect((await copy.get(INBOX)).status).toBe(200)
    expect(lookups).toBe(0)
    expect((await browser.post('/signout')).status).toBe(303)
    const res = await copy.get(INBOX)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/signin/)
  })

  it('refuses a session signed out on another instance that had it cached', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    const there = sameCookieOn(otherServer, browser)
    // Warm the other instance's cache: two pages, and it still answers from memory.
    expect((await there.get(INBOX)).status).toBe(200)
    expect((await there.get(INBOX)).status).toBe(200)
    await browser.page(INBOX)
    expect((await browser.post('/signout')).status).toBe(303)
    // PostgreSQL: sign-out returned only once the other instance applied it. SQLite: another
    // connection's commit is noticed through its data version, read at most a millisecond apart.
    if (engine === 'sqlite') await sleep(5)
    expect((await there.get(INBOX)).status).toBe(303)
  })

  it('honours a session revoked in SQL, behind the server, no longer than the cache lifetime', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    await browser.page(INBOX)
    const hash = sha256Hex(browser.cookies.get('oi_session') ?? '')
    if (engine === 'sqlite') {
      // Another connection to the file, as an operator's sqlite3 shell would be: SQLite tells every other
      // connection that the file changed (its data version), so the server refuses at once.
      const other = new SqliteDatabase(join(s.db.dataDir, 'openindent.db'))
      try {
        const revoked = other
          .prepare('UPDATE dashboard_sessions SET revoke_time = ? WHERE secret_hash = ?')
          .run(s.clock.now(), hash)
        expect(revoked.changes).toBe(1)
      } finally {
        other.close()
      }
      expect((await browser.get(INBOX)).status).toBe(303)
      return
    }
    // Straight to the table, outside any transaction: no instance is told.
    expect(await s.rt.store.sessions.revoke(hash, s.clock.now())).toBe(true)
    // PostgreSQL announces nothing for such a write: the cached answer stands until it runs out.
    count()
    expect((await browser.get(INBOX)).status).toBe(200)
    expect(lookups).toBe(0)
    s.clock.advance(CACHE_TTL_MS)
    expect((await browser.get(INBOX)).status).toBe(303)
    expect(lookups).toBe(1)
  })

  it('stops a cached session when it expires, though nothing was written since it was cached', async () => {
    const browser = new PageClient(s)
    await browser.signIn(ADMIN)
    s.clock.advance(SESSION_TTL_MS - 5_000)
    expect((await browser.get(INBOX)).status).toBe(200)
    count()
    expect((await browser.get(INBOX)).status).toBe(200)
    expect(lookups).toBe(0)
    s.clock.advance(5_000)
    expect((await browser.get(INBOX)).status).toBe(303)
  })
})
