import type { Kysely } from 'kysely'
import { adapterFor } from '../adapters.js'
import type { Engine } from '../schema.js'

/**
 * Dashboard sessions. Only a hash of the cookie's secret is stored, so a leaked database row cannot
 * be replayed as a cookie; the CSRF token is per session and checked on every state change.
 */
export function dashboard(engine: Engine) {
  const { time } = adapterFor(engine).types
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('secret_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('create_time', time, (c) => c.notNull())
        .addColumn('expire_time', time, (c) => c.notNull())
        .addColumn('revoke_time', time)
        .execute()
      await db.schema
        .createIndex('dashboard_sessions_user')
        .on('dashboard_sessions')
        .columns(['user_id'])
        .execute()
    },
  }
}
