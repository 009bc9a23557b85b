import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { bootstrap } from '../../src/domain/bootstrap.js'
import { signInWithCode } from '../../src/domain/sessions/sessions.js'
import { openRuntime, type Runtime } from '../../src/runtime.js'
import { openindent, requireBuiltCli } from '../helpers/cli.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/databases.js'

describe.each(ENGINES)('openindent signin-link on %s', (engine) => {
  let db: TestDatabase

  async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const config = loadConfig({ databaseUrl: db.databaseUrl, dataDir: db.dataDir }, { LOG_LEVEL: 'silent' })
    const rt = await openRuntime(config)
    try {
      return await fn(rt)
    } finally {
      await rt.close()
    }
  }

  beforeAll(async () => {
    requireBuiltCli()
    db = await createTestDatabase(engine)
    await withRuntime((rt) => bootstrap(rt, { spaceName: 'default', adminEmail: 'admin@example.com' }))
  })
  afterAll(() => db.drop())

  it('prints a link whose code signs the person in once', async () => {
    const run = await openindent(db, ['signin-link', '--email', 'Admin@Example.com'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const url = new URL(run.stdout.trim())
    expect(url.pathname).toBe('/signin')
    const code = url.searchParams.get('code') ?? ''
    await withRuntime(async (rt) => {
      expect((await signInWithCode(rt, code)).user.email).toBe('admin@example.com')
      await expect(signInWithCode(rt, code)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' })
    })
  })

  it('refuses someone who is not known here', async () => {
    const run = await openindent(db, ['signin-link', '--email', 'stranger@example.com'])
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('stranger@example.com')
    expect(run.stdout).toBe('')
  })
})
