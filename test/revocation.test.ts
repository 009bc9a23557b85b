import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, ENGINES, type TestDatabase } from '../packages/server/test/helpers/databases.js'
import { runCli, type ServerProcess, startServerProcess } from './support/server-process.js'

describe.each(ENGINES)('a token revoked by the host CLI on %s', (engine) => {
  let db: TestDatabase
  let server: ServerProcess

  const cli = (...args: string[]) => runCli(db, ...args)

  const list = (token: string) =>
    fetch(`${server.apiUrl}/spaces/default/resources`, { headers: { authorization: `Bearer ${token}` } })

  beforeAll(async () => {
    db = await createTestDatabase(engine)
    server = await startServerProcess({ dataDir: db.dataDir, databaseUrl: db.databaseUrl })
  })
  afterAll(async () => {
    await server.stop()
    await db.drop()
  })

  it('is refused by the running server on the very next request', async () => {
    const token = cli('token', 'create', '--space', 'default', '--service-account', 'ci', '--role', 'viewer')
    // Used twice, so the server has it cached.
    expect((await list(token)).status).toBe(200)
    expect((await list(token)).status).toBe(200)
    const id = cli('token', 'list', '--space', 'default', '--service-account', 'ci').split('\t')[0] ?? ''
    expect(cli('token', 'revoke', id, '--space', 'default')).toBe(`revoked ${id}`)
    const res = await list(token)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED')
    expect((await list(server.token ?? '')).status).toBe(200)
  })
})
