import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPolicyInputs } from '../../src/store/repos/policy-inputs.js'
import { POSTGRES_AVAILABLE } from '../helpers/databases.js'
import { createSpace, openTestStore, T0, type TestStore } from './support.js'

const alice = { email: 'alice@example.com', identity: 'user/alice@example.com' }

describe.skipIf(!POSTGRES_AVAILABLE)('statements marked prepared, on PostgreSQL', () => {
  let t: TestStore
  let space: string
  beforeAll(async () => {
    t = await openTestStore('postgres')
    space = await createSpace(t.store)
  })
  afterAll(() => t.close())

  it('are prepared once per connection and answer the same each time', async () => {
    await t.handle.db.connection().execute(async (conn) => {
      const prepared = () =>
        sql<{ name: string }>`select name from pg_prepared_statements where name like 'oi_%'`.execute(conn)
      expect((await prepared()).rows).toEqual([])
      const answers = []
      for (let i = 0; i < 8; i++) answers.push(await readPolicyInputs(conn, space, [alice], T0))
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
      expect(answers[0]).toEqual({ info: { version: 0, timeZone: 'UTC' }, facts: undefined })
      expect((await prepared()).rows).toHaveLength(1)
      // Another shape (two requesters) is another statement; unmarked statements prepare nothing.
      await readPolicyInputs(conn, space, [alice, { email: undefined, identity: 'service/bot' }], T0)
      await sql`select 1`.execute(conn)
      expect((await prepared()).rows).toHaveLength(2)
    })
  })
})
