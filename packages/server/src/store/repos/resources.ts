import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type {
  ListResourcesFilter,
  ResourceRepository,
  UpsertOptions,
  UpsertOutcome,
} from '../../domain/resources/ports.js'
import type { ResourceContent, ResourceRecord, ResourceSummary } from '../../domain/resources/types.js'
import { chunks } from '../chunks.js'
import type { EngineAdapter } from '../engine.js'
import { parseJson } from '../json.js'
import { labelFilter } from '../label-filter.js'
import type { Database, Engine } from '../schema.js'
import { clientColumns, fromRow, toRow } from './resource-rows.js'
import { upsertInChunks } from './resource-upsert-chunks.js'
import { upsertRowByRow } from './resource-upsert-rows.js'

export class ResourceRepo implements ResourceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly adapter: EngineAdapter,
    /** Row statements bypass Kysely, so they are all-or-nothing only inside a write transaction. */
    private readonly transactional = false,
  ) {}

  private get engine(): Engine {
    return this.adapter.engine
  }

  /**
   * Upserts by `(kind, id)` in as few statements as possible. Every row's update time moves; its
   * `change_id` moves only when its content hash differs, which is how we learn, atomically and
   * without reading first, which rows really changed.
   */
  async upsert(
    spaceId: string,
    items: ResourceContent[],
    now: number,
    writeId: string,
    { readUnchanged = true }: UpsertOptions = {},
  ): Promise<UpsertOutcome> {
    const { rowStatement } = this.adapter
    return this.transactional && rowStatement
      ? upsertRowByRow(this.db, rowStatement, spaceId, items, now, writeId, readUnchanged)
      : upsertInChunks(this.db, this.engine, spaceId, items, now, writeId, readUnchanged)
  }

  /** Inserts a new resource; undefined when `(kind, id)` already exists. */
  async insert(
    spaceId: string,
    item: ResourceContent,
    now: number,
    writeId: string,
  ): Promise<ResourceRecord | undefined> {
    const row = await this.db
      .insertInto('resources')
      .values(toRow(spaceId, item, now, writeId))
      .onConflict((oc) => oc.columns(['space_id', 'kind', 'id']).doNothing())
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** Replaces the content of an existing resource; undefined when there is none by that name. */
  async replace(
    spaceId: string,
    name: string,
    item: ResourceContent,
    now: number,
  ): Promise<ResourceRecord | undefined> {
    const row = toRow(spaceId, item, now, '')
    const updated = await this.db
      .updateTable('resources')
      .set({ ...clientColumns(row), content_hash: row.content_hash, update_time: now })
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst()
    return updated && fromRow(updated)
  }

  async get(spaceId: string, name: string): Promise<ResourceRecord | undefined> {
    const row = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('name', '=', name)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  async summaries(spaceId: string, names: readonly string[]): Promise<ResourceSummary[]> {
    if (names.length === 0) return []
    const rows = await this.db
      .selectFrom('resources')
      .select(['kind', 'id', 'name', 'display_name', 'labels'])
      .where('space_id', '=', spaceId)
      .where('name', 'in', [...names])
      .execute()
    return rows.map((row) => {
      const summary: ResourceSummary = {
        kind: row.kind,
        id: row.id,
        name: row.name,
        labels: parseJson<Record<string, string>>(row.labels),
      }
      if (row.display_name !== null) summary.displayName = row.display_name
      return summary
    })
  }

  async list(spaceId: string, filter: ListResourcesFilter): Promise<ResourceRecord[]> {
    let q = this.db.selectFrom('resources').selectAll().where('space_id', '=', spaceId)
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind)
    if (filter.selector?.length) q = q.where(labelFilter(this.adapter, filter.selector))
    if (filter.after) q = q.where(sql<boolean>`(kind, id) > (${filter.after.kind}, ${filter.after.id})`)
    const rows = await q.orderBy('kind').orderBy('id').limit(filter.limit).execute()
    return rows.map(fromRow)
  }

  /** Deletes by name; returns the deleted resources. */
  async delete(spaceId: string, names: string[]): Promise<ResourceRecord[]> {
    if (names.length === 0) return []
    const out: ResourceRecord[] = []
    for (const part of chunks(names)) {
      const rows = await this.db
        .deleteFrom('resources')
        .where('space_id', '=', spaceId)
        .where('name', 'in', part)
        .returningAll()
        .execute()
      out.push(...rows.map(fromRow))
    }
    return out
  }
}
