import { z } from 'zod'
import { Labels, PageQuery, Timestamp } from './common.js'
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
