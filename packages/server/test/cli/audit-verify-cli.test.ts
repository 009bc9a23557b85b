import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliAccess } from '../../src/cli/context.js'
import { loadConfig } from '../../src/config.js'
import { accessSpace } from '../../src/domain/auth/authenticate.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { decide } from '../../src/domain/petitions/lifecycle/decide.js'
import { openPetition } from '../../src/domain/petitions/lifecycle/open.js'
import { createSpace, deleteSpace } from '../../src/domain/spaces/spaces.js'
import { openRuntime } from '../../src/runtime.js'
import { openindent, raw, requireBuiltCli } from '../helpers/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

describe.each(ENGINES)('openindent audit verify and export, instance log and grants, on %s', (engine) => {
  let db: TestDatabase
  let petition: string

  beforeAll(async () => {
    requireBuiltCli()
    db = await createTestDatabase(engine)
    const config = loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' })
    const rt = await openRuntime(config)
    try {
      await bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' })
      const system = { type: 'system' as const, name: 'test' }
      await createSpace(rt, system, { kind: 'user', id: 'root@example.com' }, { name: 'gone' })
      await deleteSpace(rt, await cliAccess(rt, 'gone'))
      const access = await cliAccess(rt, 'default')
      const alice = { kind: 'user', id: 'alice@example.com', email: 'alice@example.com' }
      const opened = await openPetition(rt, access, {
        petitioners: [alice],
        resources: [{ kind: 'customer', id: 'c1' }],
      })
      petition = opened.petition.name
      // Decided by a person other than the filer (four eyes): the first-run admin.
      const admin = await rt.store.principals.userByEmail('admin@example.com')
      if (!admin) throw new Error('no admin')
      const reviewer = await accessSpace(rt, { type: 'user', user: admin }, 'default')
      await decide(rt, reviewer, petition, {
        event: 'access/approve',
        labels: { 'indent.com/time/duration': '2h' },
      })
    } finally {
      await rt.close()
    }
  })
  afterAll(() => db?.drop())

  it('export --instance: the spaces created and deleted, oldest first', async () => {
    const r = await openindent(db, ['audit', 'export', '--instance'])
    expect(r.code).toBe(0)
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; event: string; resources: { id: string }[] })
    expect(events.map((e) => [e.seq, e.event, e.resources[0]?.id])).toEqual([
      [1, 'space/create', 'default'],
      [2, 'space/create', 'gone'],
      [3, 'space/delete', 'gone'],
    ])
  })

  it('verify --instance checks the instance chain, and finds it edited', async () => {
    const ok = await openindent(db, ['audit', 'verify', '--instance'])
    expect(ok).toMatchObject({ code: 0, stderr: '' })
    expect(ok.stdout).toMatch(/^ok: 3 events, head [0-9a-f]{64}\n/)
    await raw(db, [
      'UPDATE events SET body = replace(body, \'"openindent.dev/deleted-grants":"0"\', \'"openindent.dev/deleted-grants":"1"\') WHERE space_id = \'_instance\' AND seq = 3',
    ])
    const broken = await openindent(db, ['audit', 'verify', '--instance'])
    expect(broken.code).toBe(1)
    expect(broken.stdout).toMatch(/^broken at seq 3: hash does not match/)
  })

  it('verify names the petition whose grant row was changed, and exits 1', async () => {
    const ok = await openindent(db, ['audit', 'verify', '--space', 'default'])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/\nok: the grants of 1 petition are what its events say\n$/)
    await raw(db, [`UPDATE grants SET expire_time = expire_time + 86400000 WHERE petition = '${petition}'`])
    const r = await openindent(db, ['audit', 'verify', '--space', 'default'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(
      new RegExp(`\\ngrants of petition ${petition} differ from its events: grant grt_\\w+ .* expires`),
    )
  })

  it('takes at most one of --space and --instance; neither means the default space', async () => {
    for (const command of ['verify', 'export']) {
      const r = await openindent(db, ['audit', command, '--space', 'default', '--instance'])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe('openindent: name one log: --space NAME or --instance, not both\n')
    }
    const [implicit, explicit] = await Promise.all([
      openindent(db, ['audit', 'export']),
      openindent(db, ['audit', 'export', '--space', 'default']),
    ])
    expect(implicit.code).toBe(0)
    expect(implicit.stdout).not.toBe('')
    expect(implicit.stdout).toBe(explicit.stdout)
  })
})
