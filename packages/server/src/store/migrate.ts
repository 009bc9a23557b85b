import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import { initial } from './migrations/0001_initial.js'
import { petitions } from './migrations/0002_petitions.js'
import { identity } from './migrations/0003_identity.js'
import { audit } from './migrations/0004_audit.js'
import { auth } from './migrations/0005_auth.js'
import { indentPhases } from './migrations/0006_indent_phases.js'
import { auditInputs } from './migrations/0007_audit_inputs.js'
import { dashboard } from './migrations/0008_dashboard.js'
import { outbox } from './migrations/0009_outbox.js'
import { policies } from './migrations/0010_policies.js'
import { slack } from './migrations/0012_slack.js'
import { userResources } from './migrations/0013_user_resources.js'
import { petitionOrder } from './migrations/0014_petition_order.js'
import type { Database, Engine } from './schema.js'

function provider(engine: Engine): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        '0001_initial': initial(engine),
        '0002_petitions': petitions(engine),
        '0003_identity': identity(),
        '0004_audit': audit(),
        '0005_auth': auth(engine),
        '0006_indent_phases': indentPhases(),
        '0007_audit_inputs': auditInputs(engine),
        '0008_dashboard': dashboard(engine),
        '0009_outbox': outbox(engine),
        '0010_policies': policies(engine),
        '0012_slack': slack(engine),
        '0013_user_resources': userResources(),
        '0014_petition_order': petitionOrder(),
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
  const { error, results } = await migrator(db, engine).migrateToLatest()
  if (error) throw error
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}

/** Our migrations on `db`; tests also use it to stop at an older version. */
export function migrator(db: Kysely<Database>, engine: Engine): Migrator {
  return new Migrator({
    db,
    provider: provider(engine),
    migrationTableName: 'openindent_migrations',
    migrationLockTableName: 'openindent_migrations_lock',
  })
}
