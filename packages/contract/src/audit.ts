import { z } from 'zod'
import { Labels, Meta, Name, PageQuery, Timestamp } from './common.js'
import { Event, EventResource } from './event.js'

export const ListEventsQuery = PageQuery.extend({
  /** The actor's id or email. */
  actor: z.string().max(1024).optional(),
  resourceKind: z.string().max(256).optional(),
  resourceId: z.string().max(1024).optional(),
  /** An event name such as `access/approve`. */
  event: z.string().max(256).optional(),
  startTime: Timestamp.optional(),
  endTime: Timestamp.optional(),
  /** Oldest first when 'true'; newest first by default. */
  ascending: z.enum(['true', 'false']).optional(),
})
export type ListEventsQuery = z.infer<typeof ListEventsQuery>

/** An audit event with its place in the space's hash chain. */
export const AuditEvent = Event.extend({
  seq: z.number().int(),
  hash: z.string(),
  prevHash: z.string(),
})
export type AuditEvent = z.infer<typeof AuditEvent>

export const ListEventsResponse = z.object({
  events: z.array(AuditEvent),
  nextPageToken: z.string().optional(),
})

/** Events an app writes to its space's log itself (`POST …/events:write`). */
export const WriteEventsRequest = z.strictObject({
  events: z
    .array(
      z.strictObject({
        event: z.string().min(1).max(256),
        actor: Event.shape.actor,
        resources: z.array(EventResource).max(100).optional(),
        reason: z.string().max(4096).optional(),
        timestamp: Timestamp.optional(),
        externalId: z.string().max(256).optional(),
        sessionId: z.string().max(256).optional(),
        meta: z.looseObject({ labels: Labels.optional() }).optional(),
      }),
    )
    .min(1)
    .max(1000),
})

/** One event as an app writes it (`events:write`, an audit input). */
export const WriteEventInput = WriteEventsRequest.shape.events.element
export type WriteEventInput = z.infer<typeof WriteEventInput>

/**
 * What an audit input accepts at its URL (Indent's DSN): `{ events }` as Indent's audit SDK posts it,
 * with `target` and `async` as Indent's Go client adds them (accepted, not used).
 */
export const InputWriteRequest = z.strictObject({
  events: WriteEventsRequest.shape.events,
  target: z.unknown().optional(),
  async: z.boolean().optional(),
})
/** `…/inputs/{space}/{provider}/{input}:writeBatch`. */
export const InputWriteBatchRequest = z.strictObject({
  events: WriteEventsRequest.shape.events,
  async: z.boolean().optional(),
})
export const InputWriteResponse = z.object({ written: z.number().int() })

/** A write-only audit input. `dsn` (its URL, holding the secret) is present only when it is created. */
export const AuditInput = z.object({
  name: z.string(),
  displayName: z.string().optional(),
  dsn: z.string().optional(),
  revokeTime: Timestamp.optional(),
  meta: Meta,
})
export type AuditInput = z.infer<typeof AuditInput>
export const CreateAuditInputRequest = z.strictObject({
  name: Name,
  displayName: z.string().max(256).optional(),
})
export const ListAuditInputsResponse = z.object({
  auditInputs: z.array(AuditInput),
  nextPageToken: z.string().optional(),
})
