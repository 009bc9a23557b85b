import type { Kysely } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/**
 * The durable outbox: webhooks (where to send), outbox messages (what happened, written in the
 * transaction of the change) and deliveries (one per message and receiver, with its attempts, lease
 * and dead-letter state).
 */
export function outbox(engine: Engine) {
  const { time } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhooks')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        // Kept as given: every call is signed with it, so it cannot be stored as a hash.
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('handler_type', 'text', (c) => c.notNull())
        .addColumn('resource_kinds', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('webhooks_pk', ['space_id', 'name'])
        .execute()
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('petition', 'text')
        .addColumn('create_time', time, (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull().references('outbox.id').onDelete('cascade'))
        .addColumn('space_id', 'text', (c) => c.notNull())
        // 'webhook' (target: the webhook's name) or 'email' (target: the recipient's address).
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('webhook', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_time', time, (c) => c.notNull())
        .addColumn('lease_until', time)
        .addColumn('leased_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('latency_ms', 'integer')
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('update_time', time, (c) => c.notNull())
        .addColumn('deliver_time', time)
        .execute()
      // Which instance runs a scheduled round (the pullUpdate schedule) until when.
      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('lease_until', time, (c) => c.notNull())
        .execute()
      // The worker's question: what is due now.
      await db.schema
        .createIndex('deliveries_due')
        .on('deliveries')
        .columns(['status', 'next_attempt_time'])
        .execute()
      // The sweep asks whether a message has deliveries left.
      await db.schema.createIndex('deliveries_by_message').on('deliveries').column('message_id').execute()
      await db.schema
        .createIndex('deliveries_by_webhook')
        .on('deliveries')
        .columns(['space_id', 'webhook', 'create_time'])
        .execute()
    },
  }
}
