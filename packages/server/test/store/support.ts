import type { DatabaseHandle } from '../../src/store/connect.js'
import { openDatabase } from '../../src/store/connect.js'
import { migrateToLatest } from '../../src/store/migrate.js'
import type { Engine } from '../../src/store/schema.js'
import { Store } from '../../src/store/store.js'
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js'

/** A fixed instant the store tests count from. */
export const T0 = Date.UTC(2026, 0, 1)

export interface TestStore {
  store: Store
  handle: DatabaseHandle
  database: TestDatabase
  close(): Promise<void>
}

/** Opens a handle on an existing test database (several handles means several pools on PostgreSQL). */
export function openHandle(database: TestDatabase, poolSize?: number): DatabaseHandle {
  return openDatabase({
    databaseUrl: database.databaseUrl,
    dataDir: database.dataDir,
    ...(poolSize === undefined ? {} : { poolSize }),
  })
}

/** A store on a fresh, migrated database of its own. */
export async function openTestStore(engine: Engine): Promise<TestStore> {
  const database = await createTestDatabase(engine)
  const handle = openHandle(database)
  await migrateToLatest(handle.db, handle.engine)
  return {
    store: new Store(handle.db, handle.adapter),
    handle,
    database,
    async close() {
      await handle.close()
      await database.drop()
    },
  }
}

let spaces = 0

/** Creates a space with a started audit chain; returns its id. */
export async function createSpace(store: Store, label = 'space'): Promise<string> {
  spaces += 1
  const id = `spc_${label}_${spaces}`
  await store.transaction(async (tx) => {
    const created = await tx.spaces.create({ id, name: `${label}-${spaces}` }, T0)
    if (!created) throw new Error(`space ${id} already exists`)
    await tx.audit.init(id)
  })
  return id
}
