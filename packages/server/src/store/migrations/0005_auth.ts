import { type Kysely, sql } from 'kysely'
import type { Engine } from '../schema.js'

/**
 * Failed-attempt counters for the rate limits on authentication (store/rate-limits.ts). The columns
 * are the ones rate-limiter-flexible's PostgreSQL store reads and upserts; keys are
 * `kind:scope:address-or-hashed-identity`, well under 255. Only PostgreSQL uses it (instances share
 * it); SQLite's single process counts in memory, so there the table is not created.
 */
export function auth(engine: Engine) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (engine !== 'postgres') return
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
        .addColumn('points', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('expire', 'bigint')
        .execute()
      await sql`CREATE INDEX rate_limits_expire ON rate_limits (expire)`.execute(db)
    },
  }
}
