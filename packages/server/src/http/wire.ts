import {
  type ApprovalRule,
  type AuditInput,
  type Delivery,
  formatProtoDuration,
  type Grant,
  type Member,
  type Petition,
  type Resource,
  type ServiceAccount,
  type Space,
  type Token,
  type Webhook,
} from '@openindent/contract'
import type { AuditInputRecord } from '../domain/audit/inputs-ports.js'
import { toIso } from '../domain/clock.js'
import { shownBody } from '../domain/notify/withhold.js'
import type { PetitionDetails } from '../domain/petitions/queries.js'
import type { GrantRecord } from '../domain/petitions/types.js'
import type { ResourceRecord } from '../domain/resources/types.js'
import type { RuleRecord } from '../domain/rules/types.js'
import type { MemberRecord, ServiceAccountRecord, SpaceRecord, TokenRecord } from '../domain/spaces/types.js'
import type { DeliveryRecord, WebhookRecord } from '../domain/webhooks/types.js'

/** Domain records → wire JSON. Only these functions decide what leaves the server. */

export function wireResource(space: string, r: ResourceRecord): Resource {
  const out: Resource = {
    name: r.name,
    kind: r.kind,
    id: r.id,
    labels: r.labels,
    meta: { name: r.name, space, createTime: toIso(r.createTime), updateTime: toIso(r.updateTime) },
  }
  if (r.displayName !== undefined) out.displayName = r.displayName
  if (r.email !== undefined) out.email = r.email
  if (r.altIds !== undefined) out.altIds = r.altIds
  return out
}

/** A petition as the wire shows it, with its event history and grants. */
export function wirePetition(space: string, { petition: p, history, grants }: PetitionDetails): Petition {
  const out: Petition = {
    name: p.name,
    spaceName: space,
    meta: {
      name: p.name,
      space,
      labels: p.labels,
      createTime: toIso(p.createTime),
      updateTime: toIso(p.updateTime),
    },
    petitioners: p.petitioners,
    resources: p.resources,
    state: { status: { phase: p.phase }, eventHistory: history, grants: grants.map(wireGrant) },
  }
  if (p.outcome !== undefined) out.state.outcome = p.outcome
  if (p.decideReason !== undefined) out.state.outcomeReason = p.decideReason
  if (p.reason !== undefined) out.reason = p.reason
  if (p.durationMs !== undefined) out.defaultDuration = formatProtoDuration(p.durationMs)
  return out
}

function wireGrant(g: GrantRecord): Grant {
  const out: Grant = { petitioner: g.petitioner, resource: g.resource, startTime: toIso(g.startTime) }
  if (g.expireTime !== undefined) out.expireTime = toIso(g.expireTime)
  if (g.revokeTime !== undefined) out.revokeTime = toIso(g.revokeTime)
  return out
}

export function wireSpace(s: SpaceRecord): Space {
  const out: Space = {
    name: s.name,
    settings: { requireKnownResources: s.settings.requireKnownResources },
    meta: { name: s.name, createTime: toIso(s.createTime), updateTime: toIso(s.updateTime) },
  }
  if (s.displayName !== undefined) {
    out.displayName = s.displayName
    out.meta.displayName = s.displayName
  }
  return out
}

export function wireMember(space: string, m: MemberRecord): Member {
  const out: Member = {
    kind: 'user',
    id: m.user.email,
    email: m.user.email,
    roles: m.roles,
    meta: { space, createTime: toIso(m.createTime), updateTime: toIso(m.updateTime) },
  }
  if (m.user.displayName !== undefined) out.displayName = m.user.displayName
  return out
}

export function wireServiceAccount(space: string, sa: ServiceAccountRecord): ServiceAccount {
  const out: ServiceAccount = {
    name: sa.name,
    roles: sa.roles,
    meta: { name: sa.name, space, createTime: toIso(sa.createTime) },
  }
  if (sa.displayName !== undefined) out.displayName = sa.displayName
  return out
}

export function wireToken(space: string, t: TokenRecord, secret?: string): Token {
  const out: Token = {
    name: t.id,
    serviceAccount: t.serviceAccount.name,
    scope: t.serviceAccount.roles.join(' '),
    meta: { name: t.id, space, createTime: toIso(t.createTime) },
  }
  if (t.displayName !== undefined) out.displayName = t.displayName
  if (secret !== undefined) out.accessToken = secret
  if (t.expireTime !== undefined) {
    out.expireTime = toIso(t.expireTime)
    out.expiryDays = Math.round((t.expireTime - t.createTime) / 86_400_000)
  }
  if (t.revokeTime !== undefined) out.revokeTime = toIso(t.revokeTime)
  return out
}

export function wireRule(space: string, r: RuleRecord): ApprovalRule {
  const { spec } = r
  const out: ApprovalRule = {
    name: r.name,
    selector: spec.selector,
    approvers: spec.approvers,
    minApprovals: spec.minApprovals,
    allowSelfApproval: spec.allowSelfApproval,
    defaultDuration: spec.defaultDuration,
    maxDuration: spec.maxDuration,
    allowIndefinite: spec.allowIndefinite,
    reasonRequired: spec.reasonRequired,
    priority: spec.priority,
    meta: { name: r.name, space, createTime: toIso(r.createTime), updateTime: toIso(r.updateTime) },
  }
  if (spec.displayName !== undefined) out.displayName = spec.displayName
  if (spec.notify !== undefined) out.notify = spec.notify
  if (spec.pendingTimeout !== undefined) out.pendingTimeout = spec.pendingTimeout
  return out
}

export function wireAuditInput(space: string, i: AuditInputRecord, dsn?: string): AuditInput {
  const out: AuditInput = { name: i.name, meta: { name: i.name, space, createTime: toIso(i.createTime) } }
  if (i.displayName !== undefined) out.displayName = i.displayName
  if (dsn !== undefined) out.dsn = dsn
  if (i.revokeTime !== undefined) out.revokeTime = toIso(i.revokeTime)
  return out
}

/** A webhook on the wire; its secret only when `withSecret` (the create, or a PATCH that set one). */
export function wireWebhook(space: string, w: WebhookRecord, withSecret = false): Webhook {
  return {
    meta: {
      name: w.name,
      space,
      ...(w.displayName ? { displayName: w.displayName } : {}),
      createTime: toIso(w.createTime),
      updateTime: toIso(w.updateTime),
    },
    url: w.url,
    method: w.method,
    dryRun: w.dryRun,
    handler: { type: w.handlerType, resourceKinds: w.resourceKinds },
    ...(withSecret ? { secret: w.secret } : {}),
  }
}

export function wireDelivery(d: DeliveryRecord): Delivery {
  return {
    name: d.id,
    channel: d.channel,
    webhook: d.webhook,
    status: d.status,
    attempts: d.attempts,
    ...(d.status === 'pending' ? { nextAttemptTime: toIso(d.nextAttemptTime) } : {}),
    ...(d.lastError === undefined ? {} : { lastError: d.lastError }),
    ...(d.lastStatus === undefined ? {} : { lastStatusCode: d.lastStatus }),
    ...(d.latencyMs === undefined ? {} : { latencyMs: d.latencyMs }),
    createTime: toIso(d.createTime),
    updateTime: toIso(d.updateTime),
    ...(d.deliverTime === undefined ? {} : { deliverTime: toIso(d.deliverTime) }),
    body: shownBody(d),
  }
}
