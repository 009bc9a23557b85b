import type { Kysely } from 'kysely'
import type { SessionRecord, SessionRepository } from '../../domain/sessions/ports.js'
import type { Database } from '../schema.js'

export class SessionRepo implements SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('dashboard_sessions')
      .values({
        secret_hash: s.secretHash,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        create_time: s.createTime,
        expire_time: s.expireTime,
        revoke_time: null,
      })
      .execute()
  }

  async findActive(secretHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('dashboard_sessions')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .where('revoke_time', 'is', null)
      .where('expire_time', '>', now)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      secretHash: row.secret_hash,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createTime: Number(row.create_time),
      expireTime: Number(row.expire_time),
    }
  }

  async revoke(secretHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('dashboard_sessions')
      .set({ revoke_time: now })
      .where('secret_hash', '=', secretHash)
      .where('revoke_time', 'is', null)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }
}
