import type { Kysely, Selectable } from 'kysely'
import type {
  ClaimRequest,
  DeliveryFilter,
  OutboxMessage,
  OutboxRepository,
} from '../../domain/webhooks/ports.js'
import type {
  Channel,
  ClaimedDelivery,
  DeliveryRecord,
  DeliveryStatus,
  WebhookRecord,
} from '../../domain/webhooks/types.js'
import type { EngineAdapter } from '../engine.js'
import type { Database, DeliveriesTable } from '../schema.js'
import { fromRow as webhookFromRow } from './webhooks.js'

export class OutboxRepo implements OutboxRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
  ) {}

  async enqueue(m: OutboxMessage): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({
        id: m.id,
        space_id: m.spaceId,
        topic: m.topic,
        petition: m.petition ?? null,
        create_time: m.createTime,
      })
      .execute()
    if (m.deliveries.length === 0) return
    await this.db
      .insertInto('deliveries')
      .values(
        m.deliveries.map((d) => ({
          id: d.id,
          message_id: m.id,
          space_id: m.spaceId,
          channel: d.channel,
          webhook: d.webhook,
          body: d.body,
          status: 'pending',
          attempts: 0,
          next_attempt_time: m.createTime,
          create_time: m.createTime,
          update_time: m.createTime,
        })),
      )
      .execute()
  }

  async claim(req: ClaimRequest): Promise<ClaimedDelivery[]> {
    const rows = await this.adapter.writeTransaction(this.db, async (trx) => {
      let due = trx
        .selectFrom('deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_time', '<=', req.now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', req.now)]))
        .orderBy('next_attempt_time')
        .limit(req.limit)
      // Other instances' claims skip the rows this one is taking instead of waiting for them.
      if (this.adapter.engine === 'postgres') due = due.forUpdate().skipLocked()
      return trx
        .updateTable('deliveries')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          lease_until: req.now + req.leaseMs,
          leased_by: req.owner,
          update_time: req.now,
        }))
        .where('id', 'in', due)
        .returningAll()
        .execute()
    })
    const hooks = new Map<string, WebhookRecord | undefined>()
    const claimed: ClaimedDelivery[] = []
    for (const row of rows) {
      if (row.channel !== 'webhook') {
        claimed.push({ delivery: fromRow(row), attempt: row.attempts, webhook: undefined })
        continue
      }
      const key = `${row.space_id}\u0000${row.webhook}`
      if (!hooks.has(key)) {
        const hook = await this.db
          .selectFrom('webhooks')
          .selectAll()
          .where('space_id', '=', row.space_id)
          .where('name', '=', row.webhook)
          .executeTakeFirst()
        hooks.set(key, hook && webhookFromRow(hook))
      }
      claimed.push({ delivery: fromRow(row), attempt: row.attempts, webhook: hooks.get(key) })
    }
    return claimed
  }

  async finish(
    id: string,
    attempt: number,
    owner: string,
    u: Pick<DeliveryRecord, 'status' | 'nextAttemptTime' | 'lastError' | 'lastStatus' | 'latencyMs'> & {
      now: number
    },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('deliveries')
      .set({
        status: u.status,
        next_attempt_time: u.nextAttemptTime,
        last_error: u.lastError ?? null,
        last_status: u.lastStatus ?? null,
        latency_ms: u.latencyMs === undefined ? null : Math.round(u.latencyMs),
        lease_until: null,
        leased_by: null,
        update_time: u.now,
        ...(u.status === 'delivered' ? { deliver_time: u.now } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('leased_by', '=', owner)
      .where('attempts', '=', attempt)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async get(spaceId: string, id: string): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async list(spaceId: string, f: DeliveryFilter): Promise<DeliveryRecord[]> {
    let q = this.db.selectFrom('deliveries').selectAll().where('space_id', '=', spaceId)
    if (f.webhook !== undefined) q = q.where('webhook', '=', f.webhook)
    if (f.status !== undefined) q = q.where('status', '=', f.status)
    const before = f.before
    if (before) {
      q = q.where((eb) =>
        eb.or([
          eb('create_time', '<', before.createTime),
          eb.and([eb('create_time', '=', before.createTime), eb('id', '<', before.id)]),
        ]),
      )
    }
    const rows = await q.orderBy('create_time', 'desc').orderBy('id', 'desc').limit(f.limit).execute()
    return rows.map(fromRow)
  }

  async retry(spaceId: string, id: string, now: number): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .updateTable('deliveries')
      .set({
        status: 'pending',
        attempts: 0,
        next_attempt_time: now,
        lease_until: null,
        leased_by: null,
        update_time: now,
      })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('status', '=', 'dead')
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async sweep(before: number, limit: number): Promise<number> {
    // A delivered row's next_attempt_time is when it was delivered: the due index finds them.
    const gone = this.db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'delivered')
      .where('next_attempt_time', '<', before)
      .limit(limit)
    const r = await this.db.deleteFrom('deliveries').where('id', 'in', gone).executeTakeFirst()
    await this.db
      .deleteFrom('outbox')
      .where('create_time', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('deliveries').select('id').whereRef('deliveries.message_id', '=', 'outbox.id')),
        ),
      )
      .execute()
    return Number(r.numDeletedRows)
  }

  async anyDue(now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_time', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .limit(1)
      .executeTakeFirst()
    return row !== undefined
  }
}

function fromRow(r: Selectable<DeliveriesTable>): DeliveryRecord {
  return {
    id: r.id,
    messageId: r.message_id,
    spaceId: r.space_id,
    channel: r.channel as Channel,
    webhook: r.webhook,
    body: r.body,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAttemptTime: Number(r.next_attempt_time),
    ...(r.last_error === null ? {} : { lastError: r.last_error }),
    ...(r.last_status === null ? {} : { lastStatus: r.last_status }),
    ...(r.latency_ms === null ? {} : { latencyMs: r.latency_ms }),
    createTime: Number(r.create_time),
    updateTime: Number(r.update_time),
    ...(r.deliver_time === null ? {} : { deliverTime: Number(r.deliver_time) }),
  }
}
