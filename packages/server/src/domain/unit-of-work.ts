import type { AuditInputRepository } from './audit/inputs-ports.js'
import type { AuditLog } from './audit/ports.js'
import type { DomainEvent } from './events.js'
import type { IdempotencyKeys } from './idempotency.js'
import type { NoticeRepository } from './notify/ports.js'
import type { PetitionRepository, ReviewSignalReads } from './petitions/ports.js'
import type { PolicyRepository } from './policies/ports.js'
import type { ResourceRepository } from './resources/ports.js'
import type { RuleRepository } from './rules/ports.js'
import type { SessionRepository } from './sessions/ports.js'
import type { SlackRepository } from './slack/ports.js'
import type { PrincipalRepository, SpaceRepository } from './spaces/ports.js'
import type { TokenRepository } from './tokens/ports.js'
import type { JobLeaseRepository, OutboxRepository, WebhookRepository } from './webhooks/ports.js'

/** Every repository the domain uses, bound to the database or to one transaction. */
export interface Repositories {
  readonly spaces: SpaceRepository
  readonly principals: PrincipalRepository
  readonly tokens: TokenRepository
  readonly resources: ResourceRepository
  readonly audit: AuditLog
  readonly auditInputs: AuditInputRepository
  readonly petitions: PetitionRepository
  readonly rules: RuleRepository
  readonly idempotency: IdempotencyKeys
  readonly webhooks: WebhookRepository
  readonly outbox: OutboxRepository
  readonly jobLeases: JobLeaseRepository
  readonly policies: PolicyRepository
  readonly sessions: SessionRepository
  readonly slack: SlackRepository
  readonly notices: NoticeRepository
  readonly signals: ReviewSignalReads
}

/** One transaction: the repositories bound to it, and the events it will announce if it commits. */
export interface UnitOfWork extends Repositories {
  /**
   * Queues an event. It is announced to every instance by the commit itself and delivered to this
   * instance's subscribers right after; a rollback drops it.
   */
  emit(event: DomainEvent): void
  /**
   * Says that this transaction takes away access another instance may have cached: a token, a service
   * account, a membership or role, a space, a grant. Its commit then returns only once every other live
   * instance has heard of it, so none honours the access after the caller is told it is gone. Events
   * that take access away (see `takesAccessAway`) say so by themselves. A change to the webhooks says so
   * too: every instance caches them by handler (see WebhookHandlerCache).
   */
  revokesAccess(): void
  /**
   * Says that this transaction changes nothing a cache holds beyond the petitions its events name:
   * no token, account, user, membership or space (petitions, grants, resources, rules and audit entries
   * are fine). Caches then drop only what depends on those petitions, on every instance, instead of
   * everything: a busy space keeps its cached check answers and tokens.
   */
  narrow(): void
}

/**
 * Runs in every transaction that emitted events, just before it commits: it writes what must not be
 * lost with the change itself (the outbox, see webhooks/enqueue.ts). The store calls it.
 */
export type BeforeCommit = (tx: UnitOfWork, events: readonly DomainEvent[]) => Promise<void>

export interface TransactionOptions {
  /**
   * The transaction may commit together with others that say so (group commit): it still commits
   * all or nothing, and its caller is answered only once its writes are committed. A later one of
   * the group sees an earlier one's writes as it would after that commit, but before the commit
   * listeners ran: for transactions that read no cached state, such as uploads. `fn` may run again,
   * in a later transaction, when another of its group throws: it must act only through `tx`.
   */
  shareCommit?: boolean
}

/** The store as the domain sees it. */
export interface DataStore extends Repositories {
  /** Runs `fn` in one write transaction: all of it commits, or none. */
  transaction<T>(fn: (tx: UnitOfWork) => Promise<T>, options?: TransactionOptions): Promise<T>
  ping(): Promise<void>
}
