import type { Kysely, Selectable } from 'kysely'
import type { WebhookHandlerCache } from '../../domain/webhooks/handler-cache.js'
import type { WebhookChanges, WebhookRepository } from '../../domain/webhooks/ports.js'
import type { HandlerType, WebhookRecord } from '../../domain/webhooks/types.js'
import type { EngineAdapter } from '../engine.js'
import type { Database, WebhooksTable } from '../schema.js'

export class WebhookRepo implements WebhookRepository {
  /** Set once this repository wrote: its transaction then reads its own writes, not the cache. */
  private wrote = false

  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
    private readonly cache?: WebhookHandlerCache,
  ) {}

  async list(spaceId: string): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('space_id', '=', spaceId)
      .orderBy('name')
      .execute()
    return rows.map(fromRow)
  }

  async count(spaceId: string): Promise<number> {
    // Two creates counting side by side would each see room for one more: they queue here, to the end
    // of the caller's transaction, and the count below sees what the one before committed.
    await this.adapter.lockName(this.db, 'webhooks', spaceId)
    const row = await this.db
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('space_id', '=', spaceId)
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async get(spaceId: string, name: string): Promise<WebhookRecord | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  byHandler(spaceId: string, type: HandlerType): Promise<WebhookRecord[]> {
    const read = () => this.readByHandler(spaceId, type)
    return this.cache && !this.wrote ? this.cache.get(spaceId, type, read) : read()
  }

  private async readByHandler(spaceId: string, type: HandlerType): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('handler_type', '=', type)
      .orderBy('name')
      .execute()
    return rows.map(fromRow)
  }

  async insert(w: WebhookRecord): Promise<boolean> {
    this.wrote = true
    const row = await this.db
      .insertInto('webhooks')
      .values({
        space_id: w.spaceId,
        name: w.name,
        display_name: w.displayName ?? null,
        url: w.url,
        method: w.method,
        secret: w.secret,
        handler_type: w.handlerType,
        resource_kinds: JSON.stringify(w.resourceKinds),
        dry_run: w.dryRun ? 1 : 0,
        create_time: w.createTime,
        update_time: w.updateTime,
      })
      .onConflict((oc) => oc.columns(['space_id', 'name']).doNothing())
      .returning('name')
      .executeTakeFirst()
    return row !== undefined
  }

  async update(
    spaceId: string,
    name: string,
    c: WebhookChanges,
    now: number,
  ): Promise<WebhookRecord | undefined> {
    this.wrote = true
    const row = await this.db
      .updateTable('webhooks')
      .set({
        update_time: now,
        ...(c.displayName === undefined ? {} : { display_name: c.displayName || null }),
        ...(c.url === undefined ? {} : { url: c.url }),
        ...(c.method === undefined ? {} : { method: c.method }),
        ...(c.secret === undefined ? {} : { secret: c.secret }),
        ...(c.resourceKinds === undefined ? {} : { resource_kinds: JSON.stringify(c.resourceKinds) }),
        ...(c.dryRun === undefined ? {} : { dry_run: c.dryRun ? 1 : 0 }),
      })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async delete(spaceId: string, name: string): Promise<boolean> {
    this.wrote = true
    const r = await this.db
      .deleteFrom('webhooks')
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }
}

export function fromRow(r: Selectable<WebhooksTable>): WebhookRecord {
  return {
    spaceId: r.space_id,
    name: r.name,
    ...(r.display_name ? { displayName: r.display_name } : {}),
    url: r.url,
    method: r.method,
    secret: r.secret,
    handlerType: r.handler_type as HandlerType,
    resourceKinds: JSON.parse(r.resource_kinds) as string[],
    dryRun: r.dry_run === 1,
    createTime: Number(r.create_time),
    updateTime: Number(r.update_time),
  }
}
