import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import { initial } from './migrations/0001_initial.js'
import { petitions } from './migrations/0002_petitions.js'
import { auth } from './migrations/0005_auth.js'
import type { Database, Engine } from './schema.js'

function provider(engine: Engine): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_initial': initial(engine),
        '0002_petitions': petitions(engine),
        '0005_auth': auth(engine),
      }
    },
  }
}

export interface MigrationReport {
  applied: string[]
}

/**
 * Brings the schema up to date. Safe to run from several instances at once: on PostgreSQL Kysely's
 * migrator holds an advisory lock while it works, so the others wait and then find
 * nothing left to do.
 */
export async function migrateToLatest(db: Kysely<Database>, engine: Engine): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: provider(engine),
    migrationTableName: 'openindent_migrations',
    migrationLockTableName: 'openindent_migrations_lock',
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}
