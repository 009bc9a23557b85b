import { type Kysely, sql } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/** The first schema; the engine's adapter supplies the column types that differ. */
export function initial(engine: Engine) {
  const { time, json } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('spaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('members')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('members_pk', ['space_id', 'user_id'])
        .execute()

      await db.schema
        .createTable('service_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('delete_time', time)
        .addUniqueConstraint('service_accounts_space_name', ['space_id', 'name'])
        .execute()

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('service_account_id', 'text', (c) =>
          c.notNull().references('service_accounts.id').onDelete('cascade'),
        )
        .addColumn('display_name', 'text')
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('expire_time', time)
        .addColumn('revoke_time', time)
        .execute()
      await db.schema.createIndex('tokens_space').on('tokens').columns(['space_id', 'create_time']).execute()

      await db.schema
        .createTable('sign_in_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('expire_time', time, (c) => c.notNull())
        .addColumn('use_time', time)
        .execute()

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('resources')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('email', 'text')
        .addColumn('alt_ids', sql.raw(json))
        .addColumn('labels', sql.raw(json), (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addColumn('change_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('resources_pk', ['space_id', 'kind', 'id'])
        .addUniqueConstraint('resources_space_name', ['space_id', 'name'])
        .execute()

      await db.schema
        .createTable('events')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('seq', time, (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('actor_kind', 'text')
        .addColumn('actor_id', 'text')
        .addColumn('timestamp', time, (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['space_id', 'seq'])
        .execute()
      await db.schema.createIndex('events_name').on('events').columns(['space_id', 'event', 'seq']).execute()
      await db.schema
        .createIndex('events_actor')
        .on('events')
        .columns(['space_id', 'actor_id', 'seq'])
        .execute()
      await db.schema.createIndex('events_time').on('events').columns(['space_id', 'timestamp']).execute()

      await db.schema
        .createTable('event_resources')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('seq', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('event_resources_pk', ['space_id', 'kind', 'id', 'seq'])
        // A pure index table: on SQLite, one B-tree instead of a rowid table plus an index.
        .$call((t) => (engine === 'sqlite' ? t.modifyEnd(sql`WITHOUT ROWID`) : t))
        .execute()

      await db.schema
        .createTable('audit_heads')
        .addColumn('space_id', 'text', (c) => c.primaryKey())
        .addColumn('seq', time, (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('body', 'text')
        .addColumn('create_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
        .execute()
      await db.schema
        .createIndex('idempotency_keys_time')
        .on('idempotency_keys')
        .column('create_time')
        .execute()

      await appendOnly(db, engine)
    },
  }
}

/** The audit log is append-only in the database itself, not only by convention in our code. */
async function appendOnly(db: Kysely<unknown>, engine: Engine): Promise<void> {
  if (engine === 'sqlite') {
    for (const table of ['events', 'event_resources']) {
      for (const op of ['UPDATE', 'DELETE']) {
        await sql
          .raw(
            `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} ` +
              `BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
          )
          .execute(db)
      }
    }
    return
  }
  await sql
    .raw(
      `CREATE FUNCTION openindent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$`,
    )
    .execute(db)
  for (const table of ['events', 'event_resources']) {
    await sql
      .raw(
        `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} ` +
          'FOR EACH ROW EXECUTE FUNCTION openindent_append_only()',
      )
      .execute(db)
    // TRUNCATE fires no row triggers, so it gets a statement trigger of its own.
    await sql
      .raw(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} ` +
          'FOR EACH STATEMENT EXECUTE FUNCTION openindent_append_only()',
      )
      .execute(db)
  }
}
