import { setTimeout as sleep } from 'node:timers/promises'
import { IndentAPI } from '@openindent/api'
import type { CheckApprovalResponse, PetitionResource } from '@openindent/contract'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_AVAILABLE } from '../packages/server/test/helpers/databases.js'
import { api, instanceIdOf, startTwoInstances, type TwoInstances } from './support/two-instances.js'

const PETITIONER: PetitionResource = { kind: 'user', id: 'u_oncall', email: 'oncall@example.com' }
const S = '/spaces/default'

/** Polls `probe` every 10 ms until it is true; fails after `guardMs` (a guard, not a timing claim). */
async function until(what: string, probe: () => Promise<boolean>, guardMs = 30_000): Promise<void> {
  const deadline = Date.now() + guardMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
    await sleep(10)
  }
}

/**
 * Instance B loses its LISTEN connection (its backend is terminated, as a database failover or an
 * administrator would): it says it is not ready, trusts nothing cached, reconnects by itself, and
 * then hears instance A again.
 */
describe.skipIf(!POSTGRES_AVAILABLE)(
  'an instance whose PostgreSQL listener connection is cut (PostgreSQL only)',
  () => {
    let two: TwoInstances
    let admin: pg.Client
    let listenerOfB: string
    let serviceA: IndentAPI
    let serviceB: IndentAPI
    /** A person, who decides: service accounts do not review. */
    let reviewerA: IndentAPI

    beforeAll(async () => {
      // Debug: each server logs its instance id, which names its listener connection.
      two = await startTwoInstances({ LOG_LEVEL: 'debug' })
      listenerOfB = `openindent-listener:${await instanceIdOf(two.b)}`
      admin = new pg.Client({ connectionString: two.db.databaseUrl })
      await admin.connect()
      serviceA = new IndentAPI({ baseURL: two.a.apiUrl, spaceName: 'default', apiToken: two.token })
      serviceB = new IndentAPI({ baseURL: two.b.apiUrl, spaceName: 'default', apiToken: two.token })
      const userToken = two.cli('token', 'create', '--space', 'default', '--user', 'admin@localhost')
      reviewerA = new IndentAPI({ baseURL: two.a.apiUrl, spaceName: 'default', apiToken: userToken })
    })
    afterAll(async () => {
      await admin?.end()
      expect(await two?.stop()).toEqual([0, 0])
    })

    const readyz = async () => (await fetch(`${two.b.url}/readyz`)).status
    const listenerPids = async () =>
      (
        await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
          [listenerOfB],
        )
      ).rows.map((r) => r.pid)

    it('reports not ready while cut, recovers, then drops what it cached and hears A again', async () => {
      // B caches a token and a granted check answer.
      expect(
        (await api(two.a, two.token, 'POST', `${S}/serviceAccounts`, { name: 'ci', roles: ['viewer'] }))
          .status,
      ).toBe(201)
      const token = await api<{ name: string; accessToken: string }>(
        two.a,
        two.token,
        'POST',
        `${S}/tokens`,
        {
          serviceAccount: 'ci',
        },
      )
      const request = {
        petitioners: [PETITIONER],
        resources: [{ kind: 'customer', id: 'cus_before_cut' }],
        reason: 'incident 77',
      }
      const opened = await serviceA.petition.check({ ...request, wait: 0 })
      await reviewerA.petition.approve({ petitionName: opened.petition.name, duration: '1h' })
      await until(
        'B sees the grant',
        async () => (await serviceB.petition.check({ ...request, wait: 0 })).status === 'granted',
      )
      for (let i = 0; i < 2; i++) {
        expect((await api(two.b, token.body.accessToken, 'GET', `${S}/resources`)).status).toBe(200)
        expect((await serviceB.petition.check({ ...request, wait: 0 })).status).toBe('granted')
      }
      expect(await listenerPids()).toHaveLength(1)

      // Cut B's listener, and again each time it comes back, until B has been seen not ready and A has
      // revoked both: B is kept from hearing the revocations, which only its reconnection can make up for.
      let cutting = true
      let cuts = 0
      const cutter = (async () => {
        while (cutting) {
          for (const pid of await listenerPids()) {
            await admin.query('SELECT pg_terminate_backend($1)', [pid])
            cuts++
          }
          await sleep(20)
        }
      })()
      let unready: { status: number; body: { error: { code: string } } } | undefined
      try {
        await until('B reports not ready', async () => {
          const res = await fetch(`${two.b.url}/readyz`)
          if (res.status === 200) return false
          unready = { status: res.status, body: (await res.json()) as { error: { code: string } } }
          return true
        })
        expect((await api(two.a, two.token, 'DELETE', `${S}/tokens/${token.body.name}`)).status).toBe(200)
        await serviceA.petition.revoke({ petitionName: opened.petition.name, reason: 'done' })
      } finally {
        cutting = false
        await cutter
      }
      expect(cuts).toBeGreaterThan(0)
      expect(unready?.status).toBe(503)
      expect(unready?.body.error.code).toBe('UNAVAILABLE')

      // B reconnects by itself, and is ready again.
      await until('B is ready again', async () => (await readyz()) === 200)
      expect(await listenerPids()).toHaveLength(1)
      expect(two.b.output()).toContain('change listener lost its connection; reconnecting')

      // What B cached before the cut is gone: the revocations hold on B.
      expect((await api(two.b, token.body.accessToken, 'GET', `${S}/resources`)).status).toBe(401)
      expect((await serviceB.petition.check({ ...request, wait: 0 })).status).not.toBe('granted')

      // And B hears A again: a decision on A wakes a check held on B.
      const next = { ...request, resources: [{ kind: 'customer', id: 'cus_after_cut' }] }
      const waiting = await serviceB.petition.check({ ...next, wait: 0 })
      expect(waiting.status).toBe('waiting')
      const started = Date.now()
      const held = serviceB.petition.check({ ...next, wait: 20 })
      const state = { answered: false }
      void held.then(() => {
        state.answered = true
      })
      await sleep(300)
      expect(state.answered).toBe(false)
      await reviewerA.petition.approve({ petitionName: waiting.petition.name, duration: '1h' })
      const answer: CheckApprovalResponse = await held
      // Granted, not `waiting` at the end of the 20 s: the decision reached B through its new connection.
      expect(answer.status).toBe('granted')
      expect(Date.now() - started).toBeLessThan(20_000)
    })
  },
)
