import { EVENT_NAMES, type EventResource, formatGoDuration, LABELS } from '@openindent/contract'
import type { NewEvent } from '../../audit/types.js'
import { requireRole, type SpaceAccess } from '../../auth/principal.js'
import type { Ctx } from '../../context.js'
import { invalid } from '../../errors.js'
import { authorizePetitioners, callerIdentity } from '../../identity.js'
import { policyFor } from '../../rules/policy.js'
import type { DecisionDeps } from '../../webhooks/decision.js'
import { type PetitionRecord, petitionName, requestKey } from '../types.js'
import {
  type Created,
  evaluateWithInputs,
  insertWithOutcome,
  POLICY_LABELS,
  readPolicyInputs,
} from './policy.js'
import { askDecisionWebhooksFor } from './webhook-decision.js'

export interface PetitionInput {
  petitioners: EventResource[]
  resources: EventResource[]
  reason?: string | undefined
  durationMs?: number | undefined
  labels?: Record<string, string> | undefined
}

const MIN_REASON = 5

/**
 * The petitioners a caller may name, as the petition will hold them: anyone with `petitionAdmin`;
 * otherwise only the caller (see `authorizePetitioners`).
 */
export function petitionersFor(access: SpaceAccess, petitioners: EventResource[]): EventResource[] {
  requireRole(access, 'viewer')
  return authorizePetitioners(access, petitioners)
}

/**
 * The petition a request opened or found. One that a policy decided as it was opened comes with the
 * history and grants its transaction wrote, which is what reading them back would give.
 */
export type Opened = { petition: PetitionRecord; created: boolean } & Partial<Omit<Created, 'petition'>>

/**
 * Opens a petition, or returns the open one for the same petitioners and targets. The partial unique
 * index decides between concurrent identical requests, so exactly one petition is created.
 */
export async function openPetition(
  ctx: Ctx & Partial<DecisionDeps>,
  access: SpaceAccess,
  input: PetitionInput,
): Promise<Opened> {
  const petitioners = petitionersFor(access, input.petitioners)
  const spaceId = access.space.id
  const key = requestKey(petitioners, input.resources)
  const now = ctx.clock.now()
  // The reads are independent: on PostgreSQL they run side by side on pooled connections. The policy
  // inputs cost one cheap statement when the space has no policy.
  const [existing, policy, inputs] = await Promise.all([
    ctx.store.petitions.openFor(spaceId, key),
    policyFor(ctx.store, spaceId, input.resources),
    readPolicyInputs(ctx.store, spaceId, petitioners, now),
  ])
  if (existing) return { petition: existing, created: false }

  const unknown = policy.unknownTargets[0]
  if (unknown !== undefined && access.space.settings.requireKnownResources) {
    const t = input.resources[unknown]
    throw invalid(
      `resources.${unknown}: ${t?.kind}/${t?.id ?? t?.email} was never uploaded, and this space takes requests only for known resources`,
      `resources.${unknown}`,
    )
  }
  const reason = input.reason?.trim()
  if (policy.reasonRequired && (!reason || reason.length < MIN_REASON)) {
    throw invalid(`a reason of at least ${MIN_REASON} characters is required for these resources`, 'reason')
  }
  if (input.durationMs !== undefined) {
    if (input.durationMs <= 0) throw invalid('duration must be positive', 'duration')
    if (input.durationMs > policy.maxMs) {
      throw invalid(
        `duration is longer than the ${formatGoDuration(policy.maxMs)} these resources allow`,
        'duration',
      )
    }
  }
  // Cedar policies decide before any person is asked.
  const outcome = await evaluateWithInputs(
    ctx.store,
    spaceId,
    inputs,
    { petitioners, resources: input.resources, reason, durationMs: input.durationMs },
    policy,
    now,
  )
  const petition: PetitionRecord = {
    spaceId,
    name: petitionName(),
    requestKey: key,
    phase: 'open',
    petitioners,
    resources: input.resources,
    labels: { [LABELS.appConfig]: `space:${access.space.name}`, ...input.labels },
    filer: callerIdentity(access),
    createTime: now,
    updateTime: now,
  }
  if (reason) petition.reason = reason
  if (input.durationMs !== undefined) petition.durationMs = input.durationMs
  // Only a policy sets how many approvals it asks for, never the caller.
  delete petition.labels[POLICY_LABELS.approvals]
  if (outcome?.approvals) petition.labels[POLICY_LABELS.approvals] = String(outcome.approvals.count)

  const created = await ctx.store.transaction(async (tx) => {
    tx.narrow()
    const requested: NewEvent[] = [
      {
        event: EVENT_NAMES.accessRequest,
        actor: access.actor,
        resources: [...petition.petitioners, ...petition.resources],
        ...(reason ? { reason } : {}),
        timestamp: now,
        petition: petition.name,
        ...(input.durationMs !== undefined
          ? { labels: { 'indent.com/petition/duration': formatGoDuration(input.durationMs) } }
          : {}),
      },
    ]
    return insertWithOutcome(tx, petition, outcome, policy, now, requested)
  })
  if (created) {
    if (created.petition.phase !== 'open') return { ...created, created: true }
    return { petition: await afterCreate(ctx, created.petition), created: true }
  }
  // An identical request stored first: the open petition, or the one a policy granted.
  const winner = await ctx.store.petitions.holderOf(spaceId, key, ctx.clock.now())
  if (winner) return { petition: winner, created: false }
  // The winner was decided between our insert and this read: ask again, it will find the new state.
  return openPetition(ctx, access, { ...input, petitioners })
}

/** Decision webhooks are asked after the creating transaction committed, only when policies left it open. */
function afterCreate(
  ctx: Ctx & Partial<DecisionDeps>,
  p: PetitionRecord,
): Promise<PetitionRecord> | PetitionRecord {
  const { webhookCaller, decisionTimeoutMs } = ctx
  if (p.phase !== 'open' || !webhookCaller || !decisionTimeoutMs) return p
  return askDecisionWebhooksFor({ ...ctx, webhookCaller, decisionTimeoutMs }, p)
}
