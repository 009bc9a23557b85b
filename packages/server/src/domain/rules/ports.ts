import type { ApprovalRuleInput } from '@openindent/contract'

export interface StoredRule {
  name: string
  spec: ApprovalRuleInput
  createTime: number
  updateTime: number
}

/** A space's approval rules. */
export interface RuleRepository {
  /** Lowest priority number first, ties by name. */
  all(spaceId: string): Promise<StoredRule[]>
  get(spaceId: string, name: string): Promise<StoredRule | undefined>
  /** False when the name is taken. */
  insert(spaceId: string, name: string, spec: ApprovalRuleInput, now: number): Promise<boolean>
  replace(
    spaceId: string,
    name: string,
    spec: ApprovalRuleInput,
    now: number,
  ): Promise<StoredRule | undefined>
  delete(spaceId: string, name: string): Promise<boolean>
}
