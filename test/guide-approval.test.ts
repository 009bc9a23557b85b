import { IndentAPI } from '@openindent/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { runGuideScript } from './support/guide.js'
import { runCli, type ServerProcess, startServerProcess } from './support/server-process.js'

const STAFF = 'support@example.com'

describe.each(ENGINES)("the guide's step 4 (request access) on %s", (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let reviewer: IndentAPI

  /** The guide's requestCustomerAccess, behind the portal's "Request Access" button, in its own process. */
  const requestAccess = (customerId: string) =>
    JSON.parse(runGuideScript(server, 'run-request-access.js', STAFF, customerId)) as {
      ok: boolean
      status?: string
    }

  const cli = (...args: string[]) => runCli(db, ...args)

  async function openPetition(): Promise<string> {
    const { petitions } = await reviewer.petition.list({ phase: 'open', petitioner: STAFF })
    expect(petitions).toHaveLength(1)
    return petitions[0]?.name ?? ''
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    // The kit waits up to 10 s for a decision; the server caps holds at 1 s to keep this test quick.
    server = await startServerProcess({
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      env: { OPENINDENT_MAX_CHECK_WAIT: '1s' },
    })
    const token = cli(
      'token',
      'create',
      '--space',
      'default',
      '--user',
      'reviewer@example.com',
      '--role',
      'editor',
    )
    reviewer = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: token })
    await reviewer.resource.bulkUpdate({
      resources: [{ kind: 'customer', id: 'cus_acme', displayName: 'Acme', labels: { plan: 'enterprise' } }],
    })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  it('waits, is approved, expires and waits again with a new petition, then is denied', async () => {
    expect(requestAccess('cus_acme')).toEqual({ ok: false, status: 'waiting' })
    const first = await openPetition()

    // Long enough to outlast starting the script's process on a loaded machine, short enough to wait for.
    await reviewer.petition.approve({ petitionName: first, duration: '5s' })
    expect(requestAccess('cus_acme')).toEqual({ ok: true })

    // The grant ends on time: the server's expiry job revokes it from the database.
    const deadline = Date.now() + 15_000
    while ((await reviewer.petition.get({ petitionName: first })).state.status.phase !== 'closed') {
      expect(Date.now()).toBeLessThan(deadline)
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(requestAccess('cus_acme')).toEqual({ ok: false, status: 'waiting' })
    const second = await openPetition()
    expect(second).not.toBe(first)

    await reviewer.petition.deny({ petitionName: second, reason: 'not on call' })
    expect(requestAccess('cus_acme')).toEqual({ ok: false, status: 'denied' })
  })
})
