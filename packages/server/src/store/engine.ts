import type { Kysely, RawBuilder, SelectQueryBuilder } from 'kysely'
import type { Database, Engine } from './schema.js'

/**
 * What differs between SQLite and PostgreSQL, and nothing else: how a write transaction starts, how
 * rows are locked, how a JSON label is read, the column types, and how a commit is announced to other
 * instances. Repositories are written once against this; each engine's folder implements it.
 */
export interface EngineAdapter {
  readonly engine: Engine
  /** Column types that differ: epoch-millisecond times and JSON documents. */
  readonly types: { time: 'bigint' | 'integer'; json: 'jsonb' | 'text' }
  /** Runs `fn` in one write transaction, committed when it resolves and rolled back when it throws. */
  writeTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  /** Locks the selected rows until the transaction ends, where the engine has row locks. */
  lockRows<DB, TB extends keyof DB, O>(q: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>
  /**
   * Takes a lock named by two strings until the transaction ends, for a check-then-write that no row
   * lock covers (nothing to lock yet): transactions taking the same name queue. A statement of its
   * own, so a read after it (read committed) sees what the one before committed. Nothing on SQLite,
   * whose write transactions already run one at a time.
   */
  lockName(trx: Kysely<Database>, first: string, second: string): Promise<void>
  /** One key of a JSON `labels` column as text (NULL when absent). */
  label(column: string, key: string): RawBuilder<string | null>
  /**
   * Announces `payload` to every instance listening, as part of the transaction: delivered when it
   * commits, never when it rolls back. Engines without a cross-process channel do nothing here.
   */
  announce(trx: Kysely<Database>, payload: string): Promise<void>
  /**
   * SQLite only: a prepared statement on the connection Kysely writes through, returning rows as
   * arrays. For hot loops that run one short statement per row: SQLite runs 1,000 single-row upserts
   * twice as fast as one 1,000-row VALUES list, and Kysely's per-query cost would eat the gain.
   * Statements run in whatever transaction the connection is in.
   */
  readonly rowStatement?: (sql: string) => RowStatement
}

/** A prepared statement that takes positional parameters and returns rows as arrays. */
export interface RowStatement {
  get(params: readonly unknown[]): unknown[] | undefined
  /** Returns how many rows the statement changed. */
  run(params: readonly unknown[]): number
}
