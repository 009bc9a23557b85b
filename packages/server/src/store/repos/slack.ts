import type { Kysely } from 'kysely'
import { SLACK_POST_TOPIC, type SlackMessageRef, type SlackRepository } from '../../domain/slack/ports.js'
import type { Database } from '../schema.js'

export class SlackRepo implements SlackRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async message(spaceId: string, petition: string, channel: string): Promise<SlackMessageRef | undefined> {
    const row = await this.db
      .selectFrom('slack_messages')
      .select(['channel', 'channel_id', 'ts'])
      .where('space_id', '=', spaceId)
      .where('petition', '=', petition)
      .where('channel', '=', channel)
      .executeTakeFirst()
    return row && { channel: row.channel, channelId: row.channel_id, ts: row.ts }
  }

  async postedTargets(spaceId: string, petition: string): Promise<string[]> {
    const stored = await this.db
      .selectFrom('slack_messages')
      .select('channel')
      .where('space_id', '=', spaceId)
      .where('petition', '=', petition)
      .execute()
    const queued = await this.db
      .selectFrom('deliveries as d')
      .innerJoin('outbox as o', 'o.id', 'd.message_id')
      .select('d.webhook')
      .where('o.space_id', '=', spaceId)
      .where('o.petition', '=', petition)
      .where('o.topic', '=', SLACK_POST_TOPIC)
      .where('d.status', '!=', 'dead')
      .execute()
    return [...new Set([...stored.map((r) => r.channel), ...queued.map((r) => r.webhook)])].sort()
  }

  async remember(spaceId: string, petition: string, ref: SlackMessageRef, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('slack_messages')
      .values({
        space_id: spaceId,
        petition,
        channel: ref.channel,
        channel_id: ref.channelId,
        ts: ref.ts,
        create_time: now,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('ts')
      .executeTakeFirst()
    return row !== undefined
  }

  async firstUse(signature: string, expireTime: number, now: number): Promise<boolean> {
    await this.db.deleteFrom('slack_replays').where('expire_time', '<', now).execute()
    const row = await this.db
      .insertInto('slack_replays')
      .values({ signature, expire_time: expireTime })
      .onConflict((oc) => oc.doNothing())
      .returning('signature')
      .executeTakeFirst()
    return row !== undefined
  }
}
