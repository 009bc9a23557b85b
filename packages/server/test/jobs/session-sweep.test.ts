import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { endSession, SESSION_TTL_MS, sessionUser, startSession } from '../../src/domain/sessions/sessions.js'
import type { UserRecord } from '../../src/domain/spaces/types.js'
import { SessionSweepJob } from '../../src/jobs/session-sweep.js'
import { ENGINES } from '../helpers/databases.js'
import { startTestServer, type TestServer } from '../helpers/runtime.js'

describe.each(ENGINES)('the session sweep on %s', (engine) => {
  let s: TestServer
  let admin: UserRecord

  const stored = async () =>
    (await s.rt.store.db.selectFrom('dashboard_sessions').select('secret_hash').execute()).length

  beforeAll(async () => {
    s = await startTestServer(engine)
    const user = await s.rt.store.principals.userByEmail('admin@example.com')
    if (!user) throw new Error('no admin')
    admin = user
  })
  afterAll(() => s.close())

  it('deletes expired and signed-out sessions, and keeps live ones working', async () => {
    const expired = await startSession(s.rt, admin)
    s.clock.advance(SESSION_TTL_MS / 2)
    const signedOut = await startSession(s.rt, admin)
    await endSession(s.rt, signedOut.secret)
    const live = await startSession(s.rt, admin)
    s.clock.advance(SESSION_TTL_MS / 2)
    const before = await stored()

    const job = new SessionSweepJob(s.rt, pino({ level: 'silent' }))
    expect(await job.runOnce()).toBe(2)
    expect(await stored()).toBe(before - 2)
    expect(await sessionUser(s.rt, expired.secret)).toBeUndefined()
    expect(await sessionUser(s.rt, signedOut.secret)).toBeUndefined()
    expect((await sessionUser(s.rt, live.secret))?.user.email).toBe('admin@example.com')
    // Nothing left to sweep: a second pass deletes nothing.
    expect(await job.runOnce()).toBe(0)
  })

  it('deletes in bounded batches', async () => {
    await startSession(s.rt, admin)
    await startSession(s.rt, admin)
    await startSession(s.rt, admin)
    s.clock.advance(SESSION_TTL_MS)
    expect(await s.rt.store.sessions.deleteEnded(s.clock.now(), 2)).toBe(2)
    expect(await s.rt.store.sessions.deleteEnded(s.clock.now(), 2)).toBeGreaterThanOrEqual(1)
    expect(await s.rt.store.sessions.deleteEnded(s.clock.now(), 2)).toBe(0)
  })

  it('runs on its own once started, by the clock it was given', async () => {
    await startSession(s.rt, admin)
    s.clock.advance(SESSION_TTL_MS + 1)
    const job = new SessionSweepJob(s.rt, pino({ level: 'silent' }), 20)
    job.start()
    try {
      for (let i = 0; i < 100 && (await stored()) > 0; i++) await sleep(20)
    } finally {
      await job.stop()
    }
    expect(await stored()).toBe(0)
  })
})
