import { z } from 'zod'
import { isFinerThanGranularity } from './duration.js'

/**
 * Limits on the labels a client sends. A key may carry a prefix as Kubernetes' do (`example.com/team`):
 * 253 for the prefix, a slash and 63 for the name make 317. Values are longer than Kubernetes' 63 to
 * hold Indent's (durations, times, ids). Counting per object and per request bounds the work one
 * request can ask of the server.
 */
export const LABEL_KEY_MAX = 317
export const LABEL_VALUE_MAX = 1024
/** Most labels on one resource, petition, event or claim. */
export const LABELS_PER_OBJECT_MAX = 64
/**
 * Most labels in one request body, all objects together: ten a resource on average for a full
 * bulkUpdate (`BULK_UPDATE_MAX` resources), which Indent's SDK sends in one request. Each object's own
 * limit is checked first, so one huge label map is refused before this total matters.
 */
export const LABELS_PER_REQUEST_MAX = 1_000_000

/** Label maps are string → string, as in Indent and Kubernetes; as a client sends them, within limits. */
export const Labels = z
  .record(z.string().min(1).max(LABEL_KEY_MAX), z.string().max(LABEL_VALUE_MAX))
  .refine(
    (labels) => Object.keys(labels).length <= LABELS_PER_OBJECT_MAX,
    `at most ${LABELS_PER_OBJECT_MAX} labels per object`,
  )
export type Labels = z.infer<typeof Labels>

/**
 * Labels as the server returns them: what clients sent plus the server's own (a claim's expiry, an
 * event's writer), so they may exceed the input limits by those.
 */
export const LabelMap = z.record(z.string(), z.string())

/** RFC 3339 timestamp in UTC, e.g. `2026-01-02T03:04:05.000Z`. */
export const Timestamp = z.string().describe('RFC 3339 timestamp')

export const Meta = z.object({
  name: z.string().optional(),
  space: z.string().optional(),
  displayName: z.string().optional(),
  labels: LabelMap.optional(),
  createTime: Timestamp.optional(),
  updateTime: Timestamp.optional(),
  deleteTime: Timestamp.optional(),
  expireTime: Timestamp.optional(),
})
export type Meta = z.infer<typeof Meta>

export const PAGE_SIZE_DEFAULT = 100
export const PAGE_SIZE_MAX = 1000

/** `pageSize` and `pageToken`, shared by every list. */
export const PageQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).optional(),
  pageToken: z.string().max(2048).optional(),
})

/** Space, resource and other names that appear in paths. */
export const Name = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and dashes, starting and ending alphanumeric',
  )

/**
 * A Go duration string (`1h`, `90m`, `1h30m`). Durations count whole milliseconds: a positive one
 * with a finer part (`1ns`, `1.5ms`) is refused here rather than rounded. Whether the text is a
 * duration at all, and its sign, each field's owner checks with its own message.
 */
export const GoDurationText = z
  .string()
  .max(64)
  .refine(
    (v) => !isFinerThanGranularity(v),
    'durations are whole milliseconds: a finer part (such as 1ns or 1.5ms) is not accepted',
  )
