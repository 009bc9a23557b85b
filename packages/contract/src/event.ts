import { z } from 'zod'
import { Labels, Meta, Timestamp } from './common.js'

/** A resource as it appears inside an event (actor or target). */
export const EventResource = z.object({
  kind: z.string().optional(),
  id: z.string().optional(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  altIds: z.array(z.string()).optional(),
  labels: Labels.optional(),
})
export type EventResource = z.infer<typeof EventResource>

/** An audit event in Indent's format. */
export const Event = z.object({
  id: z.string().optional(),
  event: z.string(),
  actor: EventResource.optional(),
  resources: z.array(EventResource).optional(),
  reason: z.string().optional(),
  timestamp: Timestamp.optional(),
  sessionId: z.string().optional(),
  externalId: z.string().optional(),
  meta: Meta.optional(),
})
export type Event = z.infer<typeof Event>

/** Event names OpenIndent emits. */
export const EVENT_NAMES = {
  resourceUpdate: 'resource/update',
  resourceDelete: 'resource/delete',
  spaceCreate: 'space/create',
  spaceUpdate: 'space/update',
  spaceDelete: 'space/delete',
  memberUpdate: 'member/update',
  memberDelete: 'member/delete',
  serviceAccountCreate: 'serviceAccount/create',
  serviceAccountDelete: 'serviceAccount/delete',
  tokenCreate: 'token/create',
  tokenRevoke: 'token/revoke',
  signIn: 'auth/signIn',
  accessRequest: 'access/request',
  accessApprove: 'access/approve',
  accessDeny: 'access/deny',
  accessGrant: 'access/grant',
  accessRevoke: 'access/revoke',
  petitionClose: 'petition/close',
  ruleCreate: 'rule/create',
  ruleUpdate: 'rule/update',
  ruleDelete: 'rule/delete',
  auditInputCreate: 'auditInput/create',
  auditInputRevoke: 'auditInput/revoke',
  webhookCreate: 'webhook/create',
  webhookUpdate: 'webhook/update',
  webhookDelete: 'webhook/delete',
  deliveryRetry: 'webhook/delivery/retry',
} as const
export type EventName = (typeof EVENT_NAMES)[keyof typeof EVENT_NAMES]
