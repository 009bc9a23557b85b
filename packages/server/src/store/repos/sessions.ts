import type { Kysely } from 'kysely'
import type { SessionRecord, SessionRepository, SignedIn } from '../../domain/sessions/ports.js'
import type { Database } from '../schema.js'
import { userFromRow } from './principals.js'

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

  async findActive(secretHash: string, now: number): Promise<SignedIn | undefined> {
    const row = await this.db
      .selectFrom('dashboard_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.secret_hash',
        's.user_id',
        's.csrf_token',
        's.create_time as session_create_time',
        's.expire_time',
        'u.id',
        'u.email',
        'u.display_name',
        'u.is_admin',
        'u.create_time',
        'u.update_time',
      ])
      .where('s.secret_hash', '=', secretHash)
      .where('s.revoke_time', 'is', null)
      .where('s.expire_time', '>', now)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      session: {
        secretHash: row.secret_hash,
        userId: row.user_id,
        csrfToken: row.csrf_token,
        createTime: Number(row.session_create_time),
        expireTime: Number(row.expire_time),
      },
      user: userFromRow(row),
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

  async deleteEnded(before: number, limit: number): Promise<number> {
    // A subquery bounds the batch: DELETE … LIMIT exists on neither engine by default.
    const r = await this.db
      .deleteFrom('dashboard_sessions')
      .where('secret_hash', 'in', (qb) =>
        qb
          .selectFrom('dashboard_sessions')
          .select('secret_hash')
          .where((eb) => eb.or([eb('expire_time', '<=', before), eb('revoke_time', '<=', before)]))
          .limit(limit),
      )
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}
