import { sql } from 'kysely'
import type { EngineAdapter } from '../engine.js'

/** The channel every instance LISTENs on for committed changes (see listener.ts). */
export const CHANGES_CHANNEL = 'openindent_changes'

/**
 * PostgreSQL: many writers. Rows that decide a write are locked with FOR UPDATE; changes are announced
 * with `pg_notify` inside the committing transaction, which PostgreSQL delivers on commit and drops on
 * rollback, so no instance hears of a change that did not happen and none misses one that did.
 */
export const postgresAdapter: EngineAdapter = {
  engine: 'postgres',
  types: { time: 'bigint', json: 'jsonb' },
  writeTransaction: (db, fn) => db.transaction().execute(fn),
  lockRows: (q) => q.forUpdate(),
  async lockName(trx, first, second) {
    await sql`select pg_advisory_xact_lock(hashtext(${first}), hashtext(${second}))`.execute(trx)
  },
  label: (column, key) => sql<string | null>`(${sql.ref(column)} ->> ${key})`,
  async announce(trx, payload) {
    await sql`SELECT pg_notify(${CHANGES_CHANNEL}, ${payload})`.execute(trx)
  },
}
