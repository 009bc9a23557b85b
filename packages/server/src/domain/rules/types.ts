import type { ApprovalRuleInput, Role } from '@openindent/contract'
import { parseGoDuration } from '@openindent/contract'
import { invalid } from '../errors.js'
import { parseLabelSelector, type Requirement } from '../labels/selector.js'

/** A stored approval rule with its durations parsed. */
export interface RuleRecord {
  name: string
  spec: ApprovalRuleInput
  selector: Requirement[]
  defaultMs: number
  maxMs: number
  createTime: number
  updateTime: number
}

/** The catch-all that applies when no rule of the space selects a request (SPEC: editors, one approval, 1 h, at most 24 h). */
export const DEFAULT_RULE_NAME = 'default'
export const DEFAULT_RULE: ApprovalRuleInput = {
  displayName: 'Default: editors review',
  selector: {},
  approvers: { role: 'editor' as Role },
  minApprovals: 1,
  allowSelfApproval: false,
  defaultDuration: '1h',
  maxDuration: '24h',
  allowIndefinite: false,
  reasonRequired: false,
  priority: 1_000_000,
}

/** Validates a rule's selector and durations; throws INVALID_ARGUMENT naming the field. */
export function compileRule(
  name: string,
  spec: ApprovalRuleInput,
  times: { createTime: number; updateTime: number },
): RuleRecord {
  const selector = spec.selector.labelSelector ? parseLabelSelector(spec.selector.labelSelector) : []
  const defaultMs = parseGoDuration(spec.defaultDuration)
  const maxMs = parseGoDuration(spec.maxDuration)
  if (defaultMs === undefined || defaultMs <= 0)
    throw invalid('defaultDuration: a positive Go duration such as "1h"', 'rule.defaultDuration')
  if (maxMs === undefined || maxMs <= 0)
    throw invalid('maxDuration: a positive Go duration such as "24h"', 'rule.maxDuration')
  if (defaultMs > maxMs) throw invalid('defaultDuration is longer than maxDuration', 'rule.defaultDuration')
  for (const [field, text] of [
    ['pendingTimeout', spec.pendingTimeout],
    ['notify.escalateAfter', spec.notify?.escalateAfter],
  ] as const) {
    if (text === undefined) continue
    const ms = parseGoDuration(text)
    if (ms === undefined || ms <= 0)
      throw invalid(`${field}: a positive Go duration such as "4h"`, `rule.${field}`)
  }
  return { name, spec, selector, defaultMs, maxMs, ...times }
}

/**
 * Refuses a rule nobody could ever satisfy: without a role, the approvals it needs must come from the
 * people and service accounts it names, each counting once.
 */
export function requirePossible(spec: ApprovalRuleInput): void {
  if (spec.approvers.role !== undefined) return
  const named =
    new Set((spec.approvers.users ?? []).map((u) => u.trim().toLowerCase())).size +
    new Set(spec.approvers.serviceAccounts ?? []).size
  if (named < spec.minApprovals) {
    throw invalid(
      `minApprovals is ${spec.minApprovals} but the rule names ${named} approver${named === 1 ? '' : 's'} and no role: no petition could ever be approved`,
      'rule.minApprovals',
    )
  }
}
