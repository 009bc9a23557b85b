import type {
  Channel,
  ClaimedDelivery,
  DeliveryRecord,
  DeliveryStatus,
  HandlerType,
  WebhookRecord,
} from './types.js'

export type WebhookChanges = Partial<
  Pick<WebhookRecord, 'displayName' | 'url' | 'method' | 'secret' | 'resourceKinds' | 'dryRun'>
>

/** A space's webhooks. */
export interface WebhookRepository {
  list(spaceId: string): Promise<WebhookRecord[]>
  /**
   * How many webhooks the space has. In a transaction, no other transaction counts the space's
   * webhooks until this one ends: a create that checks the bound and then inserts cannot be overtaken.
   */
  count(spaceId: string): Promise<number>
  get(spaceId: string, name: string): Promise<WebhookRecord | undefined>
  /** The space's webhooks of one handler type, by name. */
  byHandler(spaceId: string, type: HandlerType): Promise<WebhookRecord[]>
  /** False when the name is taken. */
  insert(w: WebhookRecord): Promise<boolean>
  update(
    spaceId: string,
    name: string,
    changes: WebhookChanges,
    now: number,
  ): Promise<WebhookRecord | undefined>
  delete(spaceId: string, name: string): Promise<boolean>
}

/** One message for the outbox and the receivers it goes to, each with its body. */
export interface OutboxMessage {
  id: string
  spaceId: string
  /** What happened, e.g. `petition.granted`. */
  topic: string
  petition?: string
  createTime: number
  deliveries: { id: string; channel: Channel; webhook: string; body: string }[]
}

export interface ClaimRequest {
  now: number
  limit: number
  /** How long the claim holds before another instance may take the delivery over. */
  leaseMs: number
  /** Who holds the lease: the instance id. */
  owner: string
}

export interface DeliveryFilter {
  webhook?: string | undefined
  status?: DeliveryStatus | undefined
  limit: number
  /** The last delivery id of the page before, for keyset paging (newest first). */
  before?: { createTime: number; id: string } | undefined
}

/**
 * The durable outbox. `enqueue` runs in the transaction of the change it reports; the rest are each
 * their own short transaction, so no delivery ever holds a database lock while it calls a receiver.
 */
export interface OutboxRepository {
  enqueue(message: OutboxMessage): Promise<void>
  /**
   * Takes up to `limit` pending deliveries that are due and not leased (or whose lease ran out), counts
   * an attempt on each and leases them to `owner`. With several instances each delivery is taken by
   * one of them (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite has one writer).
   */
  claim(req: ClaimRequest): Promise<ClaimedDelivery[]>
  /**
   * Records an attempt's result, only while `owner` still holds that attempt's lease: false when the
   * lease ran out and the delivery was taken over (the newer attempt decides).
   */
  finish(
    id: string,
    attempt: number,
    owner: string,
    update: Pick<DeliveryRecord, 'status' | 'nextAttemptTime' | 'lastError' | 'lastStatus' | 'latencyMs'> & {
      now: number
    },
  ): Promise<boolean>
  get(spaceId: string, id: string): Promise<DeliveryRecord | undefined>
  list(spaceId: string, filter: DeliveryFilter): Promise<DeliveryRecord[]>
  /** A dead (or pending) delivery made due now, its attempts counted from zero again. */
  retry(spaceId: string, id: string, now: number): Promise<DeliveryRecord | undefined>
  /**
   * Forgets up to `limit` deliveries delivered before `before`, and the messages left with none. Dead
   * and pending ones are kept. Returns how many deliveries went.
   */
  sweep(before: number, limit: number): Promise<number>
  /**
   * Whether a claim at `now` would find anything: a cheap read (it stops at the first due row), so an
   * idle worker writes nothing.
   */
  anyDue(now: number): Promise<boolean>
}

/** A receiver's answer to one call. */
export interface CallResult {
  status: number
  body: string
  latencyMs: number
}

/** Per-call settings; a decision webhook waits less than a delivery. */
export interface CallOptions {
  /** Overrides the caller's timeout for this call, in ms. */
  timeoutMs?: number
}

/** Calls webhooks: signs, sends, refuses metadata addresses; throws on a network failure or timeout. */
export interface WebhookCaller {
  call(
    hook: WebhookRecord,
    body: string,
    delivery?: { id: string; attempt: number },
    options?: CallOptions,
  ): Promise<CallResult>
}

/** Lets one instance of several run a scheduled round. */
export interface JobLeaseRepository {
  /** Takes the lease on `name` until `until`, unless another owner holds it past `now`. */
  take(name: string, owner: string, now: number, until: number): Promise<boolean>
}
