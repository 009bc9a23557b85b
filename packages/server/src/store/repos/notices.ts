import type { Kysely } from 'kysely'
import type { NoticeRepository, OpenPetitionKey } from '../../domain/notify/ports.js'
import type { Database } from '../schema.js'

export class NoticeRepo implements NoticeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(spaceId: string, petition: string, kind: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('petition_notices')
      .values({ space_id: spaceId, petition, kind, create_time: now })
      .onConflict((oc) => oc.doNothing())
      .returning('kind')
      .executeTakeFirst()
    return row !== undefined
  }

  async openBefore(
    before: number,
    after: OpenPetitionKey | undefined,
    limit: number,
  ): Promise<OpenPetitionKey[]> {
    let q = this.db
      .selectFrom('petitions')
      .select(['space_id', 'name', 'create_time'])
      .where('phase', '=', 'open')
      .where('create_time', '<', before)
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('create_time', '>', after.createTime),
          eb.and([eb('create_time', '=', after.createTime), eb('space_id', '>', after.spaceId)]),
          eb.and([
            eb('create_time', '=', after.createTime),
            eb('space_id', '=', after.spaceId),
            eb('name', '>', after.name),
          ]),
        ]),
      )
    }
    const rows = await q.orderBy('create_time').orderBy('space_id').orderBy('name').limit(limit).execute()
    return rows.map((r) => ({ spaceId: r.space_id, name: r.name, createTime: Number(r.create_time) }))
  }

  async expiringWithout(
    kind: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<{ spaceId: string; petition: string; expireTime: number }[]> {
    const rows = await this.db
      .selectFrom('grants as g')
      .select((eb) => ['g.space_id', 'g.petition', eb.fn.min<number>('g.expire_time').as('expire_time')])
      .where('g.revoke_time', 'is', null)
      .where('g.expire_time', '>=', from)
      .where('g.expire_time', '<', to)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('petition_notices as n')
              .select('n.kind')
              .whereRef('n.space_id', '=', 'g.space_id')
              .whereRef('n.petition', '=', 'g.petition')
              .where('n.kind', '=', kind),
          ),
        ),
      )
      .groupBy(['g.space_id', 'g.petition'])
      .orderBy('expire_time')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ spaceId: r.space_id, petition: r.petition, expireTime: Number(r.expire_time) }))
  }
}
