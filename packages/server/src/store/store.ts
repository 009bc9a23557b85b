import { type Kysely, sql } from 'kysely'
import type { DomainEvent } from '../domain/events.js'
import type { DataStore, Repositories, UnitOfWork } from '../domain/unit-of-work.js'
import { encodeAnnouncement } from './announcement.js'
import type { EngineAdapter } from './engine.js'
import { AuditRepo } from './repos/audit.js'
import { AuditInputRepo } from './repos/audit-inputs.js'
import { IdempotencyRepo } from './repos/idempotency.js'
import { PetitionRepo } from './repos/petitions.js'
import { PrincipalRepo } from './repos/principals.js'
import { ResourceRepo } from './repos/resources.js'
import { RuleRepo } from './repos/rules.js'
import { SettingsRepo } from './repos/settings.js'
import { SpaceRepo } from './repos/spaces.js'
import { TokenRepo } from './repos/tokens.js'
import type { Database, Engine } from './schema.js'

/** Told after every commit, with the events the transaction emitted (possibly none). */
export type CommitListener = (events: readonly DomainEvent[]) => void

/** Every repository bound to one connection or transaction. */
class Repos implements Repositories {
  readonly spaces: SpaceRepo
  readonly principals: PrincipalRepo
  readonly tokens: TokenRepo
  readonly resources: ResourceRepo
  readonly audit: AuditRepo
  readonly auditInputs: AuditInputRepo
  readonly idempotency: IdempotencyRepo
  readonly settings: SettingsRepo
  readonly petitions: PetitionRepo
  readonly rules: RuleRepo

  constructor(
    readonly db: Kysely<Database>,
    readonly adapter: EngineAdapter,
  ) {
    this.spaces = new SpaceRepo(db)
    this.principals = new PrincipalRepo(db)
    this.tokens = new TokenRepo(db)
    this.resources = new ResourceRepo(db, adapter)
    this.audit = new AuditRepo(db, adapter)
    this.auditInputs = new AuditInputRepo(db)
    this.idempotency = new IdempotencyRepo(db)
    this.settings = new SettingsRepo(db)
    this.petitions = new PetitionRepo(db, adapter)
    this.rules = new RuleRepo(db)
  }

  get engine(): Engine {
    return this.adapter.engine
  }
}

class Transaction extends Repos implements UnitOfWork {
  readonly events: DomainEvent[] = []

  emit(event: DomainEvent): void {
    this.events.push(event)
  }
}

/** One store over SQLite or PostgreSQL: the domain's repositories and its unit of work. */
export class Store extends Repos implements DataStore {
  private readonly listeners: CommitListener[] = []

  constructor(
    db: Kysely<Database>,
    adapter: EngineAdapter,
    /** Names this instance in its announcements, so it can tell its own from others'. */
    readonly instanceId = 'local',
  ) {
    super(db, adapter)
  }

  /** Calls `listener` after each commit of this store. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener)
  }

  /**
   * Runs `fn` in one write transaction. Before committing it announces the transaction to the other
   * instances (PostgreSQL: in the same transaction); after committing it tells this instance.
   */
  async transaction<T>(fn: (tx: UnitOfWork) => Promise<T>): Promise<T> {
    let events: DomainEvent[] = []
    const result = await this.adapter.writeTransaction(this.db, async (trx) => {
      const tx = new Transaction(trx, this.adapter)
      const value = await fn(tx)
      events = tx.events
      for (const payload of encodeAnnouncement(this.instanceId, events)) {
        await this.adapter.announce(trx, payload)
      }
      return value
    })
    for (const listener of this.listeners) listener(events)
    return result
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db)
  }
}
