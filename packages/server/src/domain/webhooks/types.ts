/** What a webhook is called for, in Indent's names (`decision`: at petition creation, see decision.ts). */
export const HANDLER_TYPES = ['applyUpdate', 'pullUpdate', 'decision'] as const
export type HandlerType = (typeof HANDLER_TYPES)[number]

export interface WebhookRecord {
  spaceId: string
  name: string
  displayName?: string
  url: string
  method: string
  secret: string
  handlerType: HandlerType
  /** Resource kinds this webhook handles (lower-cased substring match, as Indent's); empty: every kind. */
  resourceKinds: string[]
  /** Never called: its deliveries are recorded as delivered without a call. */
  dryRun: boolean
  createTime: number
  updateTime: number
}

/** How a delivery travels: a signed webhook call, an email through SMTP, or a Slack message. */
export type Channel = 'webhook' | 'email' | 'slack'

/** Where a delivery stands: waiting (or being attempted), done, or given up on after the retry limit. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export interface DeliveryRecord {
  /** Stable across attempts: receivers de-duplicate on it (header `X-OpenIndent-Delivery`). */
  id: string
  messageId: string
  spaceId: string
  channel: Channel
  /** The webhook's name; for email, the recipient's address. */
  webhook: string
  /** The exact JSON text sent on every attempt. */
  body: string
  status: DeliveryStatus
  attempts: number
  nextAttemptTime: number
  lastError?: string
  lastStatus?: number
  /** The last attempt's round trip, in ms. */
  latencyMs?: number
  createTime: number
  updateTime: number
  deliverTime?: number
}

/** A delivery an instance holds the lease of, with the webhook to call; `attempt` numbers this try. */
export interface ClaimedDelivery {
  delivery: DeliveryRecord
  attempt: number
  webhook: WebhookRecord | undefined
}

/** How one attempt went. */
export type AttemptResult =
  | { ok: true; status?: number; latencyMs: number }
  | { ok: false; status?: number; latencyMs: number; error: string }
