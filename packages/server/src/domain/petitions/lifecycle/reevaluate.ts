import type { EventResource } from '@openindent/contract'
import type { Ctx } from '../../context.js'
import { identityOf } from '../../identity.js'
import { preparedSet } from '../../policies/engine.js'
import { policyFor } from '../../rules/policy.js'
import { type PetitionRecord, targetKey } from '../types.js'
import { applyPolicyOutcome, evaluateForPetition } from './policy.js'

const PAGE = 500

/**
 * After resources changed, asks the policies again about every open petition that names one of them
 * (as a target, or a `user` resource as a petitioner). Only a decision is applied: a petition the
 * policies still leave to people stays as it is, and granted petitions are never touched. Nothing is
 * read when the space has no policies.
 */
export async function reevaluateOpenPetitions(
  ctx: Ctx,
  spaceId: string,
  changed: EventResource[],
): Promise<void> {
  if (changed.length === 0) return
  const set = await preparedSet(ctx.store, spaceId)
  if (set.parts.size === 0) return
  const keys = new Set(changed.flatMap((r) => [targetKey(r), identityOf(r)]))
  let after: { time: number; name: string } | undefined
  for (;;) {
    const open = await ctx.store.petitions.list(spaceId, {
      phase: 'open',
      after,
      ascending: true,
      limit: PAGE,
    })
    for (const p of open) {
      if (
        p.resources.some((r) => keys.has(targetKey(r))) ||
        p.petitioners.some((r) => keys.has(identityOf(r)))
      ) {
        await reevaluate(ctx, p)
      }
    }
    const last = open[open.length - 1]
    if (open.length < PAGE || !last) return
    after = { time: last.createTime, name: last.name }
  }
}

async function reevaluate(ctx: Ctx, p: PetitionRecord): Promise<void> {
  const rules = await policyFor(ctx.store, p.spaceId, p.resources)
  const now = ctx.clock.now()
  const outcome = await evaluateForPetition(ctx.store, p.spaceId, p, rules, now, true)
  if (!outcome || outcome.enforced.decision === 'none') return
  await ctx.store.transaction(async (tx) => {
    const locked = await tx.petitions.lock(p.spaceId, p.name)
    if (locked?.phase !== 'open') return
    await applyPolicyOutcome(tx, locked, outcome, rules, now)
  })
}
