import { IndentAPI } from '@openindent/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { runGuideScript } from './support/guide.js'
import { type ServerProcess, startServerProcess } from './support/server-process.js'

describe.each(ENGINES)("the guide's step 3 (upload customers) on %s", (engine) => {
  let db: TestDatabase
  let server: ServerProcess
  let api: IndentAPI

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
    expect(server.token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
    api = new IndentAPI({ baseURL: server.apiUrl, spaceName: 'default', apiToken: server.token ?? '' })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
    await db.drop()
  })

  const customers = async () => {
    const { resources } = await api.resource.list({ kind: 'customer' })
    return resources
  }

  it('uploads the customers with their plan labels', async () => {
    runGuideScript(server, 'upload.js')
    const list = await customers()
    expect(list.map((r) => [r.id, r.displayName, r.labels])).toEqual([
      ['cus_acme', 'Acme Corp', { plan: 'enterprise' }],
      ['cus_globex', 'Globex', { plan: 'pro' }],
      ['cus_initech', 'Initech', { plan: 'free' }],
    ])
  })

  it('running it again changes nothing but the update times', async () => {
    const before = await customers()
    await new Promise((r) => setTimeout(r, 5))
    runGuideScript(server, 'upload.js')
    const after = await customers()
    expect(after).toHaveLength(before.length)
    after.forEach((r, i) => {
      const b = before[i]
      if (!b) throw new Error('missing resource')
      const { meta: metaAfter, ...restAfter } = r
      const { meta: metaBefore, ...restBefore } = b
      expect(restAfter).toEqual(restBefore)
      expect(metaAfter.createTime).toBe(metaBefore.createTime)
      expect(Date.parse(metaAfter.updateTime ?? '')).toBeGreaterThan(Date.parse(metaBefore.updateTime ?? ''))
    })
  })
})
