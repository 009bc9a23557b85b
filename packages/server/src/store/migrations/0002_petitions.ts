import { type Kysely, sql } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/** Petitions, their approvals and grants, and approval rules. */
export function petitions(engine: Engine) {
  const { time, json } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('petitions')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        // Hash of the sorted petitioners and targets: identical requests share it.
        .addColumn('request_key', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('petitioners', sql.raw(json), (c) => c.notNull())
        .addColumn('resources', sql.raw(json), (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('duration_ms', time)
        .addColumn('labels', sql.raw(json), (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addColumn('decide_time', time)
        .addColumn('decide_reason', 'text')
        // How it ended: approved, denied, cancelled, revoked.
        .addColumn('outcome', 'text')
        .addPrimaryKeyConstraint('petitions_pk', ['space_id', 'name'])
        .execute()
      // At most one open petition per identical request: concurrent identical requests create one.
      await db.schema
        .createIndex('petitions_one_open')
        .on('petitions')
        .columns(['space_id', 'request_key'])
        .unique()
        .where(sql.ref('phase'), '=', 'open')
        .execute()
      await db.schema
        .createIndex('petitions_request')
        .on('petitions')
        .columns(['space_id', 'request_key', 'create_time'])
        .execute()
      await db.schema
        .createIndex('petitions_phase')
        .on('petitions')
        .columns(['space_id', 'phase', 'create_time'])
        .execute()
      await db.schema
        .createIndex('petitions_time')
        .on('petitions')
        .columns(['space_id', 'create_time'])
        .execute()

      // Who and what each petition names, for list filters.
      await db.schema
        .createTable('petition_subjects')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('petition', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('petition_subjects_pk', ['space_id', 'role', 'subject', 'petition'])
        .addForeignKeyConstraint(
          'petition_subjects_petition',
          ['space_id', 'petition'],
          'petitions',
          ['space_id', 'name'],
          (c) => c.onDelete('cascade'),
        )
        .execute()

      await db.schema
        .createTable('petition_approvals')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('petition', 'text', (c) => c.notNull())
        .addColumn('reviewer', 'text', (c) => c.notNull())
        .addColumn('duration_ms', time)
        .addColumn('create_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('petition_approvals_pk', ['space_id', 'petition', 'reviewer'])
        .addForeignKeyConstraint(
          'petition_approvals_petition',
          ['space_id', 'petition'],
          'petitions',
          ['space_id', 'name'],
          (c) => c.onDelete('cascade'),
        )
        .execute()

      await db.schema
        .createTable('grants')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('petition', 'text', (c) => c.notNull())
        .addColumn('petitioner_key', 'text', (c) => c.notNull())
        .addColumn('resource_key', 'text', (c) => c.notNull())
        .addColumn('petitioner', sql.raw(json), (c) => c.notNull())
        .addColumn('resource', sql.raw(json), (c) => c.notNull())
        .addColumn('start_time', time, (c) => c.notNull())
        .addColumn('expire_time', time)
        .addColumn('revoke_time', time)
        .addColumn('revoke_reason', 'text')
        .addPrimaryKeyConstraint('grants_pk', ['space_id', 'id'])
        .addForeignKeyConstraint(
          'grants_petition',
          ['space_id', 'petition'],
          'petitions',
          ['space_id', 'name'],
          (c) => c.onDelete('cascade'),
        )
        .execute()
      await db.schema
        .createIndex('grants_active')
        .on('grants')
        .columns(['space_id', 'petitioner_key', 'resource_key'])
        .where(sql.ref('revoke_time'), 'is', null)
        .execute()
      await db.schema.createIndex('grants_petition').on('grants').columns(['space_id', 'petition']).execute()
      // The expiry job's scan: only live grants with an end.
      await db.schema
        .createIndex('grants_expiry')
        .on('grants')
        .column('expire_time')
        .where(sql.ref('revoke_time'), 'is', null)
        .execute()

      await db.schema
        .createTable('approval_rules')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('spec', sql.raw(json), (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('approval_rules_pk', ['space_id', 'name'])
        .execute()

      // Which petition an event belongs to: its history is one indexed query.
      await db.schema.alterTable('events').addColumn('petition', 'text').execute()
      await db.schema
        .createIndex('events_petition')
        .on('events')
        .columns(['space_id', 'petition', 'seq'])
        .execute()
    },
  }
}
