import { type Kysely, sql } from 'kysely'
import { AuditRepo } from './repos/audit.js'
import { IdempotencyRepo } from './repos/idempotency.js'
import { PetitionRepo } from './repos/petitions.js'
import { PrincipalRepo } from './repos/principals.js'
import { ResourceRepo } from './repos/resources.js'
import { RuleRepo } from './repos/rules.js'
import { SettingsRepo } from './repos/settings.js'
import { SpaceRepo } from './repos/spaces.js'
import { TokenRepo } from './repos/tokens.js'
import type { Database, Engine } from './schema.js'

/** One store over SQLite or PostgreSQL: every repository, bound to the database or to a transaction. */
export class Store {
  readonly spaces: SpaceRepo
  readonly principals: PrincipalRepo
  readonly tokens: TokenRepo
  readonly resources: ResourceRepo
  readonly audit: AuditRepo
  readonly idempotency: IdempotencyRepo
  readonly settings: SettingsRepo
  readonly petitions: PetitionRepo
  readonly rules: RuleRepo

  constructor(
    readonly db: Kysely<Database>,
    readonly engine: Engine,
    private readonly inTransaction = false,
    /** Called after each committed transaction (caches learn that the data changed). */
    private readonly onCommit: () => void = () => {},
  ) {
    this.spaces = new SpaceRepo(db)
    this.principals = new PrincipalRepo(db)
    this.tokens = new TokenRepo(db)
    this.resources = new ResourceRepo(db, engine)
    this.audit = new AuditRepo(db, engine)
    this.idempotency = new IdempotencyRepo(db)
    this.settings = new SettingsRepo(db)
    this.petitions = new PetitionRepo(db)
    this.rules = new RuleRepo(db)
  }

  /**
   * Runs `fn` in one transaction; nested calls join the outer one. On SQLite the transaction starts
   * with BEGIN IMMEDIATE: it takes the write lock up front, so a second process (the CLI beside a
   * running server) waits on busy_timeout instead of failing mid-transaction with SQLITE_BUSY.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this)
    if (this.engine === 'postgres') {
      const result = await this.db.transaction().execute((trx) => fn(new Store(trx, this.engine, true)))
      this.onCommit()
      return result
    }
    return this.db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn)
      try {
        const result = await fn(new Store(conn, this.engine, true))
        await sql`COMMIT`.execute(conn)
        this.onCommit()
        return result
      } catch (err) {
        await sql`ROLLBACK`.execute(conn)
        throw err
      }
    })
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db)
  }
}
