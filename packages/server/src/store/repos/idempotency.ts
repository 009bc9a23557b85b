import type { Kysely } from 'kysely'
import type { IdempotencyClaim, IdempotencyKeys } from '../../domain/idempotency.js'
import type { Database } from '../schema.js'

/** An unfinished claim older than this is taken over: its request died before finishing. */
const STALE_MS = 60_000

export class IdempotencyRepo implements IdempotencyKeys {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims `(scope, key)` for a request. The insert is the lock: exactly one concurrent request with a
   * key wins it; the others see it in progress, or replay its stored response once it finished.
   */
  async claim(scope: string, key: string, requestHash: string, now: number): Promise<IdempotencyClaim> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, key, request_hash: requestHash, status: null, body: null, create_time: now })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst()
    if (inserted) return { state: 'claimed' }
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst()
    if (!row) return this.claim(scope, key, requestHash, now)
    if (row.request_hash !== requestHash) return { state: 'mismatch' }
    if (row.status !== null && row.body !== null)
      return { state: 'replay', status: row.status, body: row.body }
    if (now - row.create_time < STALE_MS) return { state: 'in-progress' }
    const taken = await this.db
      .updateTable('idempotency_keys')
      .set({ create_time: now })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('create_time', '=', row.create_time)
      .where('status', 'is', null)
      .executeTakeFirst()
    return Number(taken.numUpdatedRows) > 0 ? { state: 'claimed' } : { state: 'in-progress' }
  }

  async complete(scope: string, key: string, status: number, body: string): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ status, body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute()
  }

  /** Forgets a claim whose request failed, so a retry runs it afresh (the failure changed nothing). */
  async release(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).execute()
  }

  async deleteOlderThan(time: number): Promise<number> {
    const r = await this.db.deleteFrom('idempotency_keys').where('create_time', '<', time).executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}
