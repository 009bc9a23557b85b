import { EVENT_NAMES, type EventResource, formatGoDuration } from '@openindent/contract'
import { petitionLink } from '../notify/emails.js'
import { reviewSignals, signalLines } from '../petitions/signals.js'
import type { PetitionRecord } from '../petitions/types.js'
import { resourceName } from '../resources/types.js'
import { policyFor } from '../rules/policy.js'
import type { Repositories } from '../unit-of-work.js'
import type { SlackNotice } from './ports.js'

/** Durations offered besides the rule's default, kept to what the rule allows. */
const CHOICES_MS = [3_600_000, 4 * 3_600_000, 8 * 3_600_000, 24 * 3_600_000, 7 * 24 * 3_600_000]

/** A Go duration as people write it where it is exact (`2h`, `168h`), else in full (`1h30m0s`). */
const menuDuration = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : formatGoDuration(ms))

const who = (r: EventResource | undefined) => r?.displayName || r?.email || r?.id || 'someone'

/** The target as uploaded (its display name and labels), or as the petition named it when it never was. */
async function uploaded(
  store: Pick<Repositories, 'resources'>,
  spaceId: string,
  r: EventResource,
): Promise<EventResource> {
  if (!r.kind || !r.id) return r
  const stored = await store.resources.get(spaceId, resourceName(r.kind, r.id))
  if (!stored) return r
  return { ...r, displayName: stored.displayName ?? r.displayName, labels: stored.labels }
}

/** A target as reviewers know it: its display name, its kind and id, and its labels. */
function describeTarget(r: EventResource): string {
  const id = `${r.kind ?? ''}/${r.id ?? r.email ?? ''}`
  const name = r.displayName ? `${r.displayName} (${id})` : id
  const labels = Object.entries(r.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
  return labels ? `${name} [${labels}]` : name
}

/**
 * The Slack message for a petition as it stands now: composed when the delivery is sent, not when it
 * was queued, so a late update never shows an older state than the one before it.
 */
export async function slackNotice(
  store: Pick<Repositories, 'rules' | 'resources' | 'audit' | 'spaces' | 'signals' | 'policies'>,
  p: PetitionRecord,
  publicUrl: string,
  now: number,
): Promise<SlackNotice> {
  const policy = await policyFor(store, p.spaceId, p.resources)
  const space = await store.spaces.byId(p.spaceId)
  const decisions = await store.audit.petitionEvents(p.spaceId, [p.name], {
    only: [EVENT_NAMES.accessApprove, EVENT_NAMES.accessDeny],
  })
  const approvals = decisions.filter((d) => d.event.event === EVENT_NAMES.accessApprove)
  const denial = decisions.find((d) => d.event.event === EVENT_NAMES.accessDeny)
  const durations = [
    policy.defaultMs,
    ...CHOICES_MS.filter((ms) => ms !== policy.defaultMs && ms <= policy.maxMs),
  ].map(menuDuration)
  const targets = await Promise.all(p.resources.map((r) => uploaded(store, p.spaceId, r)))
  // Named as uploaded: the targets' display names, as in the message above.
  const signals =
    p.phase === 'open' ? signalLines(await reviewSignals(store, { ...p, resources: targets }, now)) : []
  return {
    ref: `${space?.name ?? ''}/${p.name}`,
    petition: p.name,
    requester: p.petitioners.map(who).join(', '),
    resources: targets.map(describeTarget),
    reason: p.reason,
    rules: policy.rules.map((r) => r.spec.displayName ?? r.name),
    approvals: approvals.length,
    required: policy.minApprovals,
    phase: p.phase,
    status: statusOf(
      p,
      approvals.map((a) => who(a.event.actor)),
      denial && who(denial.event.actor),
    ),
    link: petitionLink(publicUrl, p),
    durations,
    signals,
  }
}

function statusOf(p: PetitionRecord, approvers: string[], denier: string | undefined): string | undefined {
  if (p.phase === 'open') return undefined
  if (p.phase === 'granted') return `Approved by ${approvers.join(', ')}: access granted`
  switch (p.outcome) {
    case 'denied':
      return `Denied by ${denier ?? 'a reviewer'}${p.decideReason ? `: ${p.decideReason}` : ''}`
    case 'cancelled':
      return `Closed without a decision${p.decideReason ? ` (${p.decideReason})` : ''}`
    case 'expired':
      return 'Approved; the access has expired'
    case 'revoked':
      return 'Approved; the access was revoked'
    default:
      return 'Closed'
  }
}
