import { z } from 'zod'
import { GoDurationText, Meta, Name } from './common.js'
import { Role } from './space.js'

/**
 * Where a rule's requests are announced: Slack channels (names such as `#access` or ids), reviewers
 * in Slack by email, and
 * escalation reviewers (emails) told when a request waits `escalateAfter` without a decision.
 */
export const RuleNotify = z.strictObject({
  slackChannels: z.array(z.string().min(1).max(80)).max(20).optional(),
  /** Reviewers (emails) sent the message directly in Slack; petitioners and the filer are skipped. */
  slackUsers: z.array(z.string().min(3).max(320)).max(50).optional(),
  escalateAfter: GoDurationText.optional(),
  escalateTo: z.array(z.string().max(320)).max(100).optional(),
})
export type RuleNotify = z.infer<typeof RuleNotify>

/** Who may approve requests that a rule selects, and how. */
export const ApprovalRuleInput = z.strictObject({
  displayName: z.string().max(256).optional(),
  /** Which requests: a resource kind and/or a label selector over the target's labels. Empty selects all. */
  selector: z
    .strictObject({
      kind: z.string().min(1).max(256).optional(),
      labelSelector: z.string().max(4096).optional(),
    })
    .default({}),
  /**
   * Reviewers: named users (emails), every member holding a role, and named service accounts (the only
   * way a service account, such as a bot, approves: roles never make one a reviewer).
   */
  approvers: z
    .strictObject({
      users: z.array(z.string().max(320)).max(100).optional(),
      role: Role.optional(),
      serviceAccounts: z.array(z.string().max(63)).max(100).optional(),
    })
    .refine(
      (a) => (a.users?.length ?? 0) > 0 || a.role !== undefined || (a.serviceAccounts?.length ?? 0) > 0,
      'name approver users, service accounts or a role',
    ),
  minApprovals: z.number().int().min(1).max(10).default(1),
  allowSelfApproval: z.boolean().default(false),
  /** Go duration strings. */
  defaultDuration: GoDurationText.default('1h'),
  maxDuration: GoDurationText.default('24h'),
  allowIndefinite: z.boolean().default(false),
  reasonRequired: z.boolean().default(false),
  /** Lower first; the catch-all default has the highest. */
  priority: z.number().int().min(0).max(1_000_000).default(100),
  /** Who else hears of the rule's requests (an OpenIndent addition; Indent has no such field). */
  notify: RuleNotify.optional(),
  /** An open petition still undecided after this long closes (Go duration; default 24h). */
  pendingTimeout: GoDurationText.optional(),
})
export type ApprovalRuleInput = z.infer<typeof ApprovalRuleInput>

export const ApprovalRule = z.object({
  name: z.string(),
  displayName: z.string().optional(),
  selector: z.object({ kind: z.string().optional(), labelSelector: z.string().optional() }),
  approvers: z.object({
    users: z.array(z.string()).optional(),
    role: Role.optional(),
    serviceAccounts: z.array(z.string()).optional(),
  }),
  minApprovals: z.number().int(),
  allowSelfApproval: z.boolean(),
  defaultDuration: z.string(),
  maxDuration: z.string(),
  allowIndefinite: z.boolean(),
  reasonRequired: z.boolean(),
  priority: z.number().int(),
  notify: z
    .object({
      slackChannels: z.array(z.string()).optional(),
      slackUsers: z.array(z.string()).optional(),
      escalateAfter: z.string().optional(),
      escalateTo: z.array(z.string()).optional(),
    })
    .optional(),
  pendingTimeout: z.string().optional(),
  meta: Meta,
})
export type ApprovalRule = z.infer<typeof ApprovalRule>

export const CreateApprovalRuleRequest = z.strictObject({ name: Name, rule: ApprovalRuleInput })
export const UpdateApprovalRuleRequest = z.strictObject({ rule: ApprovalRuleInput })
export const ListApprovalRulesResponse = z.object({
  approvalRules: z.array(ApprovalRule),
  nextPageToken: z.string().optional(),
})
