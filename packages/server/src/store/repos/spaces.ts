import type { Kysely } from 'kysely'
import type { SpaceContents, SpaceRepository } from '../../domain/spaces/ports.js'
import type { SpaceRecord, SpaceSettings } from '../../domain/spaces/types.js'
import type { Database, SpacesTable } from '../schema.js'
import { countSpaceContents } from './space-contents.js'

export class SpaceRepo implements SpaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the space; false when the name is taken. */
  async create(
    space: { id: string; name: string; displayName?: string | undefined },
    now: number,
  ): Promise<boolean> {
    const row = await this.db
      .insertInto('spaces')
      .values({
        id: space.id,
        name: space.name,
        display_name: space.displayName ?? null,
        require_known_resources: 0,
        create_time: now,
        update_time: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst()
    return row !== undefined
  }

  async byName(name: string): Promise<SpaceRecord | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('name', '=', name).executeTakeFirst()
    return row && fromRow(row)
  }

  async byId(id: string): Promise<SpaceRecord | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst()
    return row && fromRow(row)
  }

  /** Spaces after `afterName` in name order; `ids` limits the list to those spaces. */
  async list(opts: {
    ids?: string[]
    afterName?: string | undefined
    limit: number
  }): Promise<SpaceRecord[]> {
    if (opts.ids?.length === 0) return []
    let q = this.db.selectFrom('spaces').selectAll()
    if (opts.ids) q = q.where('id', 'in', opts.ids)
    if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName)
    const rows = await q.orderBy('name').limit(opts.limit).execute()
    return rows.map(fromRow)
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('spaces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  async update(
    id: string,
    patch: { displayName?: string | undefined; settings?: Partial<SpaceSettings> | undefined },
    now: number,
  ): Promise<SpaceRecord | undefined> {
    // A field the patch leaves out is left alone, as PATCH means.
    const set: { display_name?: string; require_known_resources?: number; update_time: number } = {
      update_time: now,
    }
    if (patch.displayName !== undefined) set.display_name = patch.displayName
    const known = patch.settings?.requireKnownResources
    if (known !== undefined) set.require_known_resources = known ? 1 : 0
    const row = await this.db
      .updateTable('spaces')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** Removes the space and, by cascade, its members, service accounts, tokens and resources. Its audit log stays. */
  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('spaces').where('id', '=', id).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  contents(id: string): Promise<SpaceContents> {
    return countSpaceContents(this.db, id)
  }
}

function fromRow(row: SpacesTable): SpaceRecord {
  const s: SpaceRecord = {
    id: row.id,
    name: row.name,
    settings: { requireKnownResources: row.require_known_resources === 1 },
    createTime: row.create_time,
    updateTime: row.update_time,
  }
  if (row.display_name !== null) s.displayName = row.display_name
  return s
}
