import { type ApprovalRuleInput, EVENT_NAMES } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, invalid, notFound } from '../errors.js'
import { compileRule, DEFAULT_RULE, DEFAULT_RULE_NAME, type RuleRecord, requirePossible } from './types.js'

const ruleEvent = (event: string, access: SpaceAccess, name: string, now: number) => ({
  event,
  actor: access.actor,
  resources: [{ kind: 'openindent.v1.ApprovalRule', id: name }],
  timestamp: now,
})

/** The space's rules, then the built-in catch-all (which a rule named `default` replaces). */
export async function listRules(ctx: Ctx, access: SpaceAccess): Promise<RuleRecord[]> {
  requireRole(access, 'viewer')
  const rules = (await ctx.store.rules.all(access.space.id)).map((r) => compileRule(r.name, r.spec, r))
  if (!rules.some((r) => r.name === DEFAULT_RULE_NAME)) {
    rules.push(compileRule(DEFAULT_RULE_NAME, DEFAULT_RULE, { createTime: 0, updateTime: 0 }))
  }
  return rules
}

export async function createRule(ctx: Ctx, access: SpaceAccess, name: string, spec: ApprovalRuleInput) {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  const rule = compileRule(name, spec, { createTime: now, updateTime: now })
  requirePossible(spec)
  await ctx.store.transaction(async (tx) => {
    tx.narrow()
    if (!(await tx.rules.insert(access.space.id, name, spec, now)))
      throw alreadyExists(`approval rule "${name}"`)
    await tx.audit.append(access.space.id, [ruleEvent(EVENT_NAMES.ruleCreate, access, name, now)])
  })
  return rule
}

export async function updateRule(ctx: Ctx, access: SpaceAccess, name: string, spec: ApprovalRuleInput) {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  compileRule(name, spec, { createTime: now, updateTime: now })
  requirePossible(spec)
  const stored = await ctx.store.transaction(async (tx) => {
    tx.narrow()
    const replaced = await tx.rules.replace(access.space.id, name, spec, now)
    if (!replaced) throw notFound(`approval rule "${name}"`)
    await tx.audit.append(access.space.id, [ruleEvent(EVENT_NAMES.ruleUpdate, access, name, now)])
    return replaced
  })
  return compileRule(name, stored.spec, stored)
}

export async function deleteRule(ctx: Ctx, access: SpaceAccess, name: string): Promise<void> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    tx.narrow()
    if (!(await tx.rules.delete(access.space.id, name))) {
      throw name === DEFAULT_RULE_NAME
        ? invalid('the built-in default rule cannot be deleted; create a rule named "default" to replace it')
        : notFound(`approval rule "${name}"`)
    }
    await tx.audit.append(access.space.id, [ruleEvent(EVENT_NAMES.ruleDelete, access, name, now)])
  })
}
