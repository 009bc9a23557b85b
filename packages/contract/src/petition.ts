import { z } from 'zod'
import { GoDurationText, Labels, Meta, PageQuery, Timestamp } from './common.js'
import { isFinerThanGranularity } from './duration.js'
import { Event, EventResource } from './event.js'
import { MAX_WAIT_SECONDS } from './wait.js'

/** Label keys Indent uses on claims and petitions. */
export const LABELS = {
  duration: 'indent.com/time/duration',
  expires: 'indent.com/time/expires',
  indefinite: 'indent.com/time/indefinite',
  petition: 'indent.com/petition',
  appConfig: 'indent.com/app/config/id',
} as const

/** Labels OpenIndent adds: on an approve claim, the distinct approvals so far and how many the rules need. */
export const OPENINDENT_LABELS = {
  approvals: 'openindent.dev/approvals',
  approvalsRequired: 'openindent.dev/approvals-required',
} as const

/**
 * Indent's phases. OpenIndent passes through `revoked` at once, as Indent does shortly after: a revoked
 * or expired petition is `closed`, with its outcome in `state.outcome`. It stays in the list so that
 * Indent clients filtering by it keep working.
 */
/**
 * A duration as Indent clients send one: a Go duration string (`1h30m`; proto3's `3600s` is one too)
 * or the `@indent/types` object `{ seconds, nanos }`.
 */
export const DurationInput = z.union([
  GoDurationText,
  z.strictObject({
    seconds: z.union([z.number().int(), z.string().regex(/^-?\d{1,15}$/, 'whole seconds')]),
    nanos: z.number().int().min(-999_999_999).max(999_999_999).optional(),
  }),
])
export type DurationInput = z.infer<typeof DurationInput>

export const PHASES = ['open', 'granted', 'revoked', 'closed'] as const
export const Phase = z.enum(PHASES)
export type Phase = z.infer<typeof Phase>

export const CLAIM_EVENTS = ['access/approve', 'access/deny', 'access/revoke'] as const
export const ClaimEventName = z.enum(CLAIM_EVENTS)

/** A petitioner or target as a client names it; `kind` plus `id` (or, for users, `email`) identify it. */
export const PetitionResource = z.strictObject({
  kind: z.string().min(1).max(256),
  id: z.string().min(1).max(1024).optional(),
  email: z.string().max(320).optional(),
  displayName: z.string().max(1024).optional(),
  altIds: z.array(z.string().max(1024)).max(64).optional(),
  labels: Labels.optional(),
})
export type PetitionResource = z.infer<typeof PetitionResource>

export const Grant = z.object({
  petitioner: EventResource,
  resource: EventResource,
  startTime: Timestamp,
  /** Absent for a grant until revoked. */
  expireTime: Timestamp.optional(),
  revokeTime: Timestamp.optional(),
})
export type Grant = z.infer<typeof Grant>

export const Petition = z.object({
  name: z.string(),
  spaceName: z.string(),
  meta: Meta,
  petitioners: z.array(EventResource),
  resources: z.array(EventResource),
  reason: z.string().optional(),
  /** Requested duration, as Indent's API answers it (proto3 JSON: `3600s`), when the petitioner asked for one. */
  defaultDuration: z.string().optional(),
  state: z.object({
    status: z.object({ phase: Phase }),
    eventHistory: z.array(Event),
    /** OpenIndent addition: the access this petition granted. */
    grants: z.array(Grant).optional(),
    /**
     * OpenIndent addition: how it stands or ended: `approved` (granted), `revoked`, `expired`,
     * `denied`, `cancelled`; absent while open.
     */
    outcome: z.enum(['approved', 'denied', 'cancelled', 'revoked', 'expired']).optional(),
    /** OpenIndent addition: the reason given with the decision that set the outcome. */
    outcomeReason: z.string().optional(),
  }),
})
export type Petition = z.infer<typeof Petition>

export const CreatePetitionRequest = z.strictObject({
  petition: z.looseObject({
    petitioners: z.array(PetitionResource).min(1).max(100).optional(),
    resources: z.array(PetitionResource).min(1).max(100),
    reason: z.string().max(4096).optional(),
    defaultDuration: DurationInput.optional(),
    meta: z.looseObject({ labels: Labels.optional() }).optional(),
  }),
  waitForReviewable: z.boolean().optional(),
})
export type CreatePetitionRequest = z.infer<typeof CreatePetitionRequest>

export const UpdatePetitionRequest = z.strictObject({
  petition: z.looseObject({
    state: z.looseObject({ status: z.looseObject({ phase: z.literal('closed') }) }),
  }),
})

export const ListPetitionsQuery = PageQuery.extend({
  phase: Phase.optional(),
  /** A petitioner's id or email. */
  petitioner: z.string().max(1024).optional(),
  /** A target as `kind/id`, or a resource name. */
  resource: z.string().max(2048).optional(),
  labelSelector: z.string().max(4096).optional(),
  ascending: z.enum(['true', 'false']).optional(),
})
export type ListPetitionsQuery = z.infer<typeof ListPetitionsQuery>

export const ListPetitionsResponse = z.object({
  petitions: z.array(Petition),
  nextPageToken: z.string().optional(),
})

/**
 * Fields a caller may reasonably put on a claim to set its duration, where Indent reads none: they would
 * be ignored and the grant would get the default length, so they are refused with the right place named.
 */
const MISPLACED_DURATION_FIELDS = ['duration', 'expires', 'expireTime', 'indefinite'] as const

export const CreateClaimRequest = z.strictObject({
  claim: z
    .looseObject({
      event: ClaimEventName,
      reason: z.string().max(4096).optional(),
      resources: z.array(EventResource).max(200).optional(),
      actor: EventResource.optional(),
      meta: z
        .looseObject({ labels: Labels.optional() })
        .optional()
        // The approved duration travels as a label; it obeys the same granularity as every duration.
        .refine((meta) => !isFinerThanGranularity(meta?.labels?.[LABELS.duration] ?? ''), {
          message: `${LABELS.duration}: durations are whole milliseconds: a finer part (such as 1ns or 1.5ms) is not accepted`,
          path: ['labels'],
        }),
    })
    .superRefine((claim, ctx) => {
      for (const field of MISPLACED_DURATION_FIELDS) {
        if (field in claim) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: `a claim has no "${field}" field: set meta.labels["${LABELS.duration}"] (a Go duration such as "2h") or meta.labels["${LABELS.indefinite}"]: "true"`,
          })
        }
      }
    }),
})
export type CreateClaimRequest = z.infer<typeof CreateClaimRequest>

export const ListClaimsResponse = z.object({ claims: z.array(Event), nextPageToken: z.string().optional() })

/** Seconds to hold a request open for a decision: 0 (answer at once) to {@link MAX_WAIT_SECONDS}. */
export const WaitSeconds = z.number().min(0).max(MAX_WAIT_SECONDS)

/** `POST /v1/spaces/{space}/petitions/{petition}:wait`. */
export const WaitPetitionRequest = z.strictObject({ wait: WaitSeconds.default(10) })
export type WaitPetitionRequest = z.infer<typeof WaitPetitionRequest>

/** `POST /v1/spaces/{space}/approvals:check`: the one call the Approval Kit makes. */
export const CheckApprovalRequest = z.strictObject({
  petitioners: z.array(PetitionResource).min(1).max(100),
  resources: z.array(PetitionResource).min(1).max(100),
  reason: z.string().max(4096).optional(),
  /** Requested duration. */
  duration: DurationInput.optional(),
  /** Seconds to hold the request open for a decision. */
  wait: WaitSeconds.optional(),
})
export type CheckApprovalRequest = z.infer<typeof CheckApprovalRequest>

export const CheckStatus = z.enum(['granted', 'waiting', 'denied'])
export type CheckStatus = z.infer<typeof CheckStatus>

export const CheckApprovalResponse = z.object({
  status: CheckStatus,
  petition: Petition,
  /** With `granted`: when the earliest of the covering grants expires; absent when none expires. */
  expireTime: Timestamp.optional(),
  /** With `denied`: the reviewer's or policy's reason. */
  reason: z.string().optional(),
})
export type CheckApprovalResponse = z.infer<typeof CheckApprovalResponse>
