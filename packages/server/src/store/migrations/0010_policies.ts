import type { Kysely } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/**
 * Cedar policies per space. `policy_sets` holds the set's version, bumped by every change in the same
 * transaction (so concurrent writers take turns on its row, and evaluators cache by version);
 * `policy_versions` keeps every change for the history.
 */
export function policies(engine: Engine) {
  const { time } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('policy_sets')
        .addColumn('space_id', 'text', (c) => c.primaryKey().references('spaces.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('policies')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('policies_pk', ['space_id', 'id'])
        .execute()
      await db.schema
        .createTable('policy_versions')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .addColumn('text', 'text')
        .addColumn('mode', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['space_id', 'version'])
        .execute()
    },
  }
}
