import { EVENT_NAMES, type EventResource } from '@openindent/contract'
import type { NewEvent } from '../../audit/types.js'
import type { Ctx } from '../../context.js'
import { policyFor } from '../../rules/policy.js'
import {
  askDecisionWebhooks,
  type DecisionAnswer,
  type DecisionDeps,
  decides,
} from '../../webhooks/decision.js'
import type { WebhookRecord } from '../../webhooks/types.js'
import type { PetitionRecord } from '../types.js'
import { durationLabels, insertGrants } from './grants.js'
import { POLICY_LABELS } from './policy.js'
import { step } from './table.js'

/** Audit events about decision webhooks that decided nothing. */
export const DECISION_EVENTS = {
  failed: 'webhook/decision/failed',
  ignored: 'webhook/decision/ignored',
} as const

/** The audit log's actor when a decision webhook decides: a webhook, not a person. */
export function webhookActor(hook: WebhookRecord): EventResource {
  return { kind: 'openindent.v1.Webhook', id: hook.name, displayName: hook.displayName ?? hook.name }
}

/**
 * Asks the space's decision webhooks about a petition just created and still open (policies decided
 * first: one they denied or granted is never asked). The call happens with no transaction open; the
 * answer is applied in a new one on the locked petition, with the same conditional steps as people's
 * decisions, so whichever decides first wins and the other is a no-op (recorded here) or a 409 (there).
 * Like a policy, a webhook's decision is automatic: it grants or denies outright, and four eyes do not
 * apply to it. Returns the petition as it now stands.
 */
export async function askDecisionWebhooksFor(
  ctx: Ctx & DecisionDeps,
  created: PetitionRecord,
): Promise<PetitionRecord> {
  const { spaceId, name } = created
  const all = await ctx.store.webhooks.byHandler(spaceId, 'decision')
  if (all.length === 0) return created
  const [request] = await ctx.store.audit.petitionEvents(spaceId, [name], {
    only: [EVENT_NAMES.accessRequest],
  })
  if (!request) return created
  const hooks = all.filter((h) => decides(h, request.event))
  if (hooks.length === 0) return created
  const answers = await askDecisionWebhooks(ctx, hooks, request.event)
  const policy = await policyFor(ctx.store, spaceId, created.resources)
  const now = ctx.clock.now()
  const applied = await ctx.store.transaction(async (tx) => {
    const p = await tx.petitions.lock(spaceId, name)
    if (!p) return undefined
    const events: NewEvent[] = answers.flatMap((a) =>
      a.kind === 'failed' ? [note(DECISION_EVENTS.failed, a.hook, p, a.error, now)] : [],
    )
    // A denial by any receiver wins over an approval by another: access is the riskier mistake.
    const verdict =
      answers.find((a) => a.kind === 'deny') ??
      answers
        .filter((a) => a.kind === 'approve')
        .sort(
          (a, b) => (a.durationMs ?? Number.MAX_SAFE_INTEGER) - (b.durationMs ?? Number.MAX_SAFE_INTEGER),
        )[0]
    let result = p
    if (verdict) {
      const why = refusal(p, verdict)
      if (why) {
        events.push(note(DECISION_EVENTS.ignored, verdict.hook, p, why, now))
      } else if (verdict.kind === 'deny') {
        const reason = verdict.reason ?? `denied by decision webhook ${verdict.hook.name}`
        const updated = await step(tx, p, 'deny', now, reason)
        if (updated) {
          events.push(claim(EVENT_NAMES.accessDeny, verdict.hook, p, reason, {}, now))
          result = updated
        }
      } else if (verdict.kind === 'approve') {
        const ms = Math.min(verdict.durationMs ?? p.durationMs ?? policy.defaultMs, policy.maxMs)
        const reason = verdict.reason ?? `approved by decision webhook ${verdict.hook.name}`
        const updated = await step(tx, p, 'grant', now, reason)
        if (updated) {
          events.push(claim(EVENT_NAMES.accessApprove, verdict.hook, p, reason, durationLabels(ms, now), now))
          events.push(...(await insertGrants(tx, p, webhookActor(verdict.hook), ms, now)).events)
          result = updated
        }
      }
    }
    if (events.length) await tx.audit.append(spaceId, events)
    return result
  })
  return applied ?? created
}

/** Why a receiver's decision is not applied, when it is not. */
function refusal(p: PetitionRecord, verdict: DecisionAnswer): string | undefined {
  // Someone decided (or cancelled) while the receiver was thinking: theirs stands.
  if (p.phase !== 'open')
    return `answered ${verdict.kind} after the petition was already ${p.outcome ?? p.phase}`
  // A policy that asks for several approvals by people is not cut short by a webhook; a denial is.
  if (verdict.kind === 'approve' && p.labels[POLICY_LABELS.approvals]) {
    return `answered approve, but a policy asks for ${p.labels[POLICY_LABELS.approvals]} approvals by people`
  }
  return undefined
}

function claim(
  event: string,
  hook: WebhookRecord,
  p: PetitionRecord,
  reason: string,
  labels: Record<string, string>,
  now: number,
): NewEvent {
  return {
    event,
    actor: webhookActor(hook),
    resources: [...p.petitioners, ...p.resources],
    reason,
    timestamp: now,
    petition: p.name,
    labels: { ...labels, 'openindent.dev/decided-by': 'webhook' },
  }
}

function note(event: string, hook: WebhookRecord, p: PetitionRecord, why: string, now: number): NewEvent {
  return {
    event,
    actor: webhookActor(hook),
    resources: [{ kind: 'openindent.v1.Webhook', id: hook.name }, ...p.petitioners, ...p.resources],
    reason: `decision webhook ${hook.name} ${why}`,
    timestamp: now,
    petition: p.name,
  }
}
