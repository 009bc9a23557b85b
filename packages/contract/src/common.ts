import { z } from 'zod'
import { isFinerThanGranularity } from './duration.js'

/** Label maps are string → string, as in Indent and Kubernetes. */
export const Labels = z.record(z.string().min(1).max(317), z.string().max(4096))
export type Labels = z.infer<typeof Labels>

/** RFC 3339 timestamp in UTC, e.g. `2026-01-02T03:04:05.000Z`. */
export const Timestamp = z.string().describe('RFC 3339 timestamp')

export const Meta = z.object({
  name: z.string().optional(),
  space: z.string().optional(),
  displayName: z.string().optional(),
  labels: Labels.optional(),
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
