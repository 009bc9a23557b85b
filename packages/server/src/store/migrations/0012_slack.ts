import type { Kysely } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/**
 * Slack and the reviewer reach rules: the message each petition has in each Slack channel (updated in
 * place as it is decided), the interactivity signatures already seen (replays are refused), and the
 * one-time notices a petition has had (escalation, expiring soon), so each is sent once.
 */
export function slack(engine: Engine) {
  const { time } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('slack_messages')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('petition', 'text', (c) => c.notNull())
        // As the rule names it (`#access`); Slack answers with the channel's id, which chat.update needs.
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('slack_messages_pk', ['space_id', 'petition', 'channel'])
        .execute()
      await db.schema
        .createTable('slack_replays')
        .addColumn('signature', 'text', (c) => c.primaryKey())
        .addColumn('expire_time', time, (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('petition_notices')
        .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
        .addColumn('petition', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addPrimaryKeyConstraint('petition_notices_pk', ['space_id', 'petition', 'kind'])
        .execute()
      // Whether a petition's Slack post is queued (see SlackRepository.posted).
      await db.schema
        .createIndex('outbox_by_petition')
        .on('outbox')
        .columns(['space_id', 'petition'])
        .execute()
      // The reach rules scan open petitions of every space, oldest first.
      await db.schema
        .createIndex('petitions_open_age')
        .on('petitions')
        .columns(['phase', 'create_time', 'space_id', 'name'])
        .execute()
    },
  }
}
