import { z } from 'zod'
import { Meta, Name, PageQuery, Timestamp } from './common.js'
import { Resource, ResourceInput } from './resource.js'

/** What a webhook is called for, in Indent's names. */
export const WebhookHandlerType = z.enum(['applyUpdate', 'pullUpdate', 'decision'])

const ResourceKinds = z.array(z.string().min(1).max(256)).max(100)

/** A webhook as a client creates it; the secret is generated when left out. */
export const WebhookInput = z.strictObject({
  name: Name.optional(),
  displayName: z.string().max(256).optional(),
  url: z.string().min(1).max(2048),
  method: z.enum(['POST', 'PUT']).default('POST'),
  /** Signs every call (X-Indent-Signature); at least 16 characters. */
  secret: z.string().min(16).max(256).optional(),
  dryRun: z.boolean().default(false),
  handler: z.strictObject({ type: WebhookHandlerType, resourceKinds: ResourceKinds.default([]) }),
})
export type WebhookInput = z.infer<typeof WebhookInput>

/** The fields a PATCH may change; the handler type is fixed once created. */
export const WebhookPatch = z.strictObject({
  displayName: z.string().max(256).optional(),
  url: z.string().min(1).max(2048).optional(),
  method: z.enum(['POST', 'PUT']).optional(),
  secret: z.string().min(16).max(256).optional(),
  dryRun: z.boolean().optional(),
  handler: z.strictObject({ resourceKinds: ResourceKinds }).optional(),
})

export const CreateWebhookRequest = z.strictObject({ webhook: WebhookInput })
export const UpdateWebhookRequest = z.strictObject({ webhook: WebhookPatch })

export const Webhook = z.object({
  meta: Meta,
  url: z.string(),
  method: z.string(),
  dryRun: z.boolean(),
  handler: z.object({ type: WebhookHandlerType, resourceKinds: z.array(z.string()) }),
  /** Only in the answer to the create (and to a PATCH that sets a new secret). */
  secret: z.string().optional(),
})
export type Webhook = z.infer<typeof Webhook>

export const ListWebhooksResponse = z.object({
  webhooks: z.array(Webhook),
  nextPageToken: z.string().optional(),
})

export const DeliveryStatus = z.enum(['pending', 'delivered', 'dead'])

/** One delivery of one outbox message to one webhook; `name` is stable across attempts. */
export const Delivery = z.object({
  name: z.string(),
  /** `webhook`, `email` (then `webhook` is the recipient's address) or `slack` (then it is the channel). */
  channel: z.enum(['webhook', 'email', 'slack']),
  webhook: z.string(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  nextAttemptTime: Timestamp.optional(),
  lastError: z.string().optional(),
  lastStatusCode: z.number().int().optional(),
  latencyMs: z.number().int().optional(),
  createTime: Timestamp,
  updateTime: Timestamp,
  deliverTime: Timestamp.optional(),
  body: z.string(),
})
export type Delivery = z.infer<typeof Delivery>

export const ListDeliveriesQuery = PageQuery.extend({
  status: DeliveryStatus.optional(),
  webhook: Name.optional(),
})
export const ListDeliveriesResponse = z.object({
  deliveries: z.array(Delivery),
  nextPageToken: z.string().optional(),
})

/** Indent's PullUpdate: which kinds to pull (empty: every pull webhook), and flags passed through. */
export const PullUpdateRequest = z.strictObject({
  kinds: z.array(z.string().min(1).max(256)).max(100).default([]),
  flags: z.record(z.string().max(256), z.string().max(1024)).default({}),
})
export const PullUpdateResponse = z.object({
  resources: z.array(Resource),
  status: z.object({ code: z.number().int(), message: z.string().optional() }),
})

/** What a pullUpdate receiver answers. */
export const PullUpdateReply = z.object({
  resources: z.array(ResourceInput).default([]),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
})

/** One claim a decision receiver answers: Indent's `access/approve` or `access/deny` event. */
export const DecisionClaim = z.object({
  event: z.string().max(256),
  reason: z.string().max(4096).optional(),
  meta: z.object({ labels: z.record(z.string().max(256), z.string().max(1024)).optional() }).optional(),
})

/** What a decision (GetDecision) receiver answers; no claims: people decide. */
export const DecisionReply = z.object({
  claims: z.array(DecisionClaim).max(100).default([]),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
})
export type DecisionReply = z.infer<typeof DecisionReply>
