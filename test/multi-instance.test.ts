import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { IndentAPI } from '@openindent/api'
import type { AuditEvent, CheckApprovalResponse, PetitionResource } from '@openindent/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestDatabase,
  POSTGRES_AVAILABLE,
  type TestDatabase,
} from '../packages/server/test/helpers/databases.js'
import { CLI, type ServerProcess, startServerProcess } from './support/server-process.js'

const PETITIONER: PetitionResource = { kind: 'user', id: 'u_oncall', email: 'oncall@example.com' }

/** The JSON log lines a server wrote, parsed (the first-run banner is plain text and left out). */
function logLines(server: ServerProcess): { level: number; msg?: string }[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg?: string })
}

describe.skipIf(!POSTGRES_AVAILABLE)(
  'two server instances on one PostgreSQL database (PostgreSQL only: SQLite runs one instance)',
  () => {
    let db: TestDatabase
    /** Both instances, as started. */
    let servers: ServerProcess[] = []
    /** The instance that bootstrapped the space (and printed the token), and the other one. */
    let a: ServerProcess
    let b: ServerProcess
    /** The first-run service-account token (editor, petitionAdmin), printed by instance A only. */
    let token: string
    let serviceA: IndentAPI
    let reviewerB: IndentAPI

    beforeAll(async () => {
      db = await createTestDatabase('postgres')
      // Started together, as replicas of one deployment are: both migrate, one bootstraps.
      const started = await Promise.allSettled(
        [0, 1].map(() => startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })),
      )
      servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
      for (const s of started) if (s.status === 'rejected') throw s.reason
      const [first, second] = servers as [ServerProcess, ServerProcess]
      // A is the one that printed the token; if neither or both did, the first test says so.
      ;[a, b] = second.token !== undefined ? [second, first] : [first, second]
      token = a.token ?? ''
      const cli = spawnSync(
        process.execPath,
        [CLI, 'token', 'create', '--space', 'default', '--user', 'reviewer@example.com', '--role', 'editor'],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            OPENINDENT_DATA_DIR: db.dataDir,
            DATABASE_URL: db.databaseUrl ?? '',
            LOG_LEVEL: 'silent',
          },
        },
      )
      expect(cli.stderr).toBe('')
      expect(cli.status).toBe(0)
      serviceA = new IndentAPI({ baseURL: a.apiUrl, spaceName: 'default', apiToken: token })
      reviewerB = new IndentAPI({ baseURL: b.apiUrl, spaceName: 'default', apiToken: cli.stdout.trim() })
    })

    afterAll(async () => {
      // Both stop gracefully on SIGTERM: in-flight requests finish, the LISTEN connection closes.
      const codes = await Promise.all(servers.map((s) => s.stop()))
      await db?.drop()
      expect(codes).toEqual([0, 0])
    })

    it('both migrated without error, only one bootstrapped the space, and both are ready', async () => {
      // One applied the migrations (under the migrator's lock); the other then found nothing to apply.
      expect(servers.filter((s) => s.output().includes('"msg":"database migrated"'))).toHaveLength(1)
      expect(servers.filter((s) => s.token !== undefined)).toHaveLength(1)
      expect(a.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
      expect(a.output()).toContain('First run')
      // The other start found the space in place: no banner, no token.
      expect(b.token).toBeUndefined()
      expect(b.output()).not.toContain('First run')
      for (const server of [a, b]) {
        expect(logLines(server).filter((l) => l.level >= 40)).toEqual([])
        const ready = await fetch(`${server.url}/readyz`)
        expect(ready.status).toBe(200)
        expect(await ready.json()).toEqual({ status: 'ready' })
      }
    })

    it('answers a check waiting on instance A as soon as instance B approves', async () => {
      const request = {
        petitioners: [PETITIONER],
        resources: [{ kind: 'customer', id: 'cus_cross', displayName: 'Cross Co' }],
        reason: 'incident 52 across instances',
      }
      const opened = await serviceA.petition.check({ ...request, wait: 0 })
      expect(opened.status).toBe('waiting')

      const state = { answered: false }
      const started = Date.now()
      const held = serviceA.petition.check({ ...request, wait: 20 }).then((r: CheckApprovalResponse) => {
        state.answered = true
        return r
      })
      await sleep(300)
      expect(state.answered).toBe(false)

      await reviewerB.petition.approve({ petitionName: opened.petition.name, duration: '1h' })
      const result = await held
      // Granted, not `waiting` at the end of the 20 s: the decision was pushed across instances.
      expect(result.status).toBe('granted')
      expect(result.petition.name).toBe(opened.petition.name)
      expect(Date.now() - started).toBeLessThan(20_000)
    })

    it('expires a 2 s grant once, though both instances run the expiry job', async () => {
      // One petitioner × two customers: two grants, each to be revoked exactly once.
      const customers = ['cus_exp_1', 'cus_exp_2']
      const request = {
        petitioners: [PETITIONER],
        resources: customers.map((id) => ({ kind: 'customer', id })),
        reason: 'short access to two customers',
      }
      const opened = await serviceA.petition.check({ ...request, wait: 0 })
      expect(opened.status).toBe('waiting')
      const petitionName = opened.petition.name
      await reviewerB.petition.approve({ petitionName, duration: '2s' })
      expect((await serviceA.petition.check({ ...request, wait: 0 })).status).toBe('granted')

      const deadline = Date.now() + 15_000
      while ((await serviceA.petition.get({ petitionName })).state.status.phase !== 'closed') {
        expect(Date.now()).toBeLessThan(deadline)
        await sleep(200)
      }
      // Each instance's expiry pass (every second) has run again since: a late duplicate would show.
      await sleep(2500)

      const petition = await reviewerB.petition.get({ petitionName })
      expect(petition.state.status.phase).toBe('closed')
      const grants = petition.state.grants ?? []
      expect(grants.map((g) => g.resource.id).sort()).toEqual(customers)
      for (const g of grants) expect(g.revokeTime).toBeDefined()

      const revokes = petition.state.eventHistory.filter((e) => e.event === 'access/revoke')
      const revokedIds = (events: { resources?: { id?: string }[] | undefined }[]) =>
        events.map((e) => e.resources?.find((r) => customers.includes(r.id ?? ''))?.id).sort()
      expect(revokedIds(revokes)).toEqual(customers)

      const res = await fetch(`${a.apiUrl}/spaces/default/events?event=access/revoke`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      const { events } = (await res.json()) as { events: AuditEvent[] }
      expect(revokedIds(events)).toEqual(customers)
      for (const e of [...revokes, ...events]) expect(e.reason).toBe('expired')
    })
  },
)
