import { type Kysely, sql } from 'kysely'
import { type DomainEvent, takesAccessAway } from '../domain/events.js'
import type {
  BeforeCommit,
  DataStore,
  Repositories,
  TransactionOptions,
  UnitOfWork,
} from '../domain/unit-of-work.js'
import type { WebhookHandlerCache } from '../domain/webhooks/handler-cache.js'
import { encodeAnnouncement } from './announcement.js'
import type { EngineAdapter } from './engine.js'
import { AuditRepo } from './repos/audit.js'
import { AuditInputRepo } from './repos/audit-inputs.js'
import { IdempotencyRepo } from './repos/idempotency.js'
import { JobLeaseRepo } from './repos/job-leases.js'
import { NoticeRepo } from './repos/notices.js'
import { OutboxRepo } from './repos/outbox.js'
import { PetitionRepo } from './repos/petitions.js'
import { PolicyRepo } from './repos/policies.js'
import { PrincipalRepo } from './repos/principals.js'
import { ResourceRepo } from './repos/resources.js'
import { RuleRepo } from './repos/rules.js'
import { SessionRepo } from './repos/sessions.js'
import { SettingsRepo } from './repos/settings.js'
import { SignalRepo } from './repos/signals.js'
import { SlackRepo } from './repos/slack.js'
import { SpaceRepo } from './repos/spaces.js'
import { TokenRepo } from './repos/tokens.js'
import { WebhookRepo } from './repos/webhooks.js'
import type { Database, Engine } from './schema.js'
import { SharedCommits } from './shared-commit.js'

/**
 * Told after every commit, with the events the transaction emitted (possibly none), and whether it said
 * they describe all it changed that a cache may hold (see `UnitOfWork.narrow`).
 */
export type CommitListener = (events: readonly DomainEvent[], narrow: boolean) => void

/**
 * Holds back the commits that take access away until the other instances have applied them, so that
 * once a revoking call returns no instance honours what it revoked. PostgreSQL has one (see
 * postgres/barrier.ts). SQLite needs none: it is served by one process, whose own commits drop its
 * caches before the call returns, and other processes (the host CLI) are noticed through
 * `PRAGMA data_version`, read at most a millisecond apart (see Freshness).
 */
export interface CommitBarrier {
  /** Called inside the transaction, before it commits. */
  open(): BarrierTicket
}

export interface BarrierTicket {
  /** Announced with the commit; other instances acknowledge it once applied. */
  readonly id: string
  /** After the commit: resolves once every other live instance acknowledged, or a bounded time passed. */
  passed(): Promise<void>
  /** The transaction rolled back: nothing to wait for. */
  cancel(): void
}

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
  readonly webhooks: WebhookRepo
  readonly outbox: OutboxRepo
  readonly jobLeases: JobLeaseRepo
  readonly policies: PolicyRepo
  readonly sessions: SessionRepo
  readonly slack: SlackRepo
  readonly notices: NoticeRepo
  readonly signals: SignalRepo

  constructor(
    readonly db: Kysely<Database>,
    readonly adapter: EngineAdapter,
    /** Bound to one write transaction (not to the pool or shared connection). */
    transactional = false,
    webhookCache?: WebhookHandlerCache,
  ) {
    this.spaces = new SpaceRepo(db)
    this.principals = new PrincipalRepo(db)
    this.tokens = new TokenRepo(db)
    this.resources = new ResourceRepo(db, adapter, transactional)
    this.audit = new AuditRepo(db, adapter, transactional)
    this.auditInputs = new AuditInputRepo(db)
    this.idempotency = new IdempotencyRepo(db)
    this.settings = new SettingsRepo(db)
    this.petitions = new PetitionRepo(db, adapter, transactional)
    this.rules = new RuleRepo(db)
    this.webhooks = new WebhookRepo(db, adapter, webhookCache)
    this.outbox = new OutboxRepo(db, adapter)
    this.jobLeases = new JobLeaseRepo(db)
    this.policies = new PolicyRepo(db)
    this.sessions = new SessionRepo(db)
    this.slack = new SlackRepo(db)
    this.notices = new NoticeRepo(db)
    this.signals = new SignalRepo(db)
  }

  get engine(): Engine {
    return this.adapter.engine
  }
}

class Transaction extends Repos implements UnitOfWork {
  readonly events: DomainEvent[] = []
  revoking = false
  narrowed = false

  emit(event: DomainEvent): void {
    this.events.push(event)
    if (takesAccessAway(event)) this.revoking = true
  }

  revokesAccess(): void {
    this.revoking = true
  }

  narrow(): void {
    this.narrowed = true
  }
}

/** What a transaction's function returned, and what its commit must tell. */
interface Done<T> {
  value: T
  events: DomainEvent[]
  narrow: boolean
}

/** One store over SQLite or PostgreSQL: the domain's repositories and its unit of work. */
export class Store extends Repos implements DataStore {
  private readonly listeners: CommitListener[] = []
  private barrier: CommitBarrier | undefined
  private readonly beforeCommits: BeforeCommit[] = []
  /** SQLite: transactions that may share a commit (see `TransactionOptions.shareCommit`). */
  private readonly shared: SharedCommits | undefined

  constructor(
    db: Kysely<Database>,
    adapter: EngineAdapter,
    /** Names this instance in its announcements, so it can tell its own from others'. */
    readonly instanceId = 'local',
    /** Webhooks by handler, read through it here and in every transaction (see WebhookHandlerCache). */
    private readonly webhookCache?: WebhookHandlerCache,
  ) {
    super(db, adapter, false, webhookCache)
    // PostgreSQL commits concurrent transactions on connections of their own and groups their WAL
    // flushes itself; SQLite has one connection, whose commit holds the event loop.
    if (adapter.engine === 'sqlite') this.shared = new SharedCommits(db, adapter)
  }

  /** Calls `listener` after each commit of this store. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener)
  }

  /** Runs `hook` inside every transaction that emitted events, before it commits (the outbox). */
  beforeCommit(hook: BeforeCommit): void {
    this.beforeCommits.push(hook)
  }

  /** Holds back commits that take access away with `barrier` (see CommitBarrier). */
  useBarrier(barrier: CommitBarrier): void {
    this.barrier = barrier
  }

  /**
   * Runs `fn` in one write transaction. Before committing it announces the transaction to the other
   * instances (PostgreSQL: in the same transaction); after committing it tells this instance and, when
   * the transaction took access away, waits for the other instances to have applied it.
   */
  async transaction<T>(fn: (tx: UnitOfWork) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const shared = this.shared
    // Commits that wait for a barrier are not shared: none exists on SQLite, where sharing happens.
    if (options.shareCommit && shared && !this.barrier) {
      return new Promise<T>((resolve, reject) => {
        shared.add(async (trx) => {
          const { value, events, narrow } = await this.inTransaction(trx, fn)
          return () => {
            try {
              for (const listener of this.listeners) listener(events, narrow)
              resolve(value)
            } catch (err) {
              reject(err)
            }
          }
        }, reject)
      })
    }
    const opened: { ticket?: BarrierTicket | undefined } = {}
    let done: Done<T>
    try {
      done = await this.adapter.writeTransaction(this.db, (trx) => this.inTransaction(trx, fn, opened))
    } catch (err) {
      opened.ticket?.cancel()
      throw err
    }
    const { value, events, narrow } = done
    const ticket = opened.ticket
    try {
      for (const listener of this.listeners) listener(events, narrow)
    } finally {
      await ticket?.passed()
    }
    return value
  }

  /** Runs `fn` and the before-commit hooks on `trx`, and announces what it did; does not commit. */
  private async inTransaction<T>(
    trx: Kysely<Database>,
    fn: (tx: UnitOfWork) => Promise<T>,
    opened: { ticket?: BarrierTicket | undefined } = {},
  ): Promise<Done<T>> {
    const tx = new Transaction(trx, this.adapter, true, this.webhookCache)
    const value = await fn(tx)
    const events = tx.events
    if (events.length > 0) for (const hook of this.beforeCommits) await hook(tx, events)
    const narrow = tx.narrowed
    // Opened before the commit, so an acknowledgement that arrives at once is not missed.
    if (tx.revoking) opened.ticket = this.barrier?.open()
    for (const payload of encodeAnnouncement(this.instanceId, events, opened.ticket?.id, narrow)) {
      await this.adapter.announce(trx, payload)
    }
    return { value, events, narrow }
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.db)
  }
}
