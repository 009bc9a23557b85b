import type { Kysely } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/** Write-only audit inputs: a URL with its secret in the path, stored as a hash, revocable. */
export function auditInputs(engine: Engine) {
  const { time } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_inputs')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('revoke_time', time)
        .addPrimaryKeyConstraint('audit_inputs_pk', ['space_id', 'name'])
        .execute()
    },
  }
}
