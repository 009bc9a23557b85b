import type { Member, Resource, ServiceAccount, Space, Token } from '@openindent/contract'
import { toIso } from '../domain/clock.js'
import type { ResourceRecord } from '../domain/resources/types.js'
import type { MemberRecord, ServiceAccountRecord, SpaceRecord, TokenRecord } from '../domain/spaces/types.js'

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

export function wireSpace(s: SpaceRecord): Space {
  const out: Space = {
    name: s.name,
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
    meta: { name: t.id, space, createTime: toIso(t.createTime) },
  }
  if (t.displayName !== undefined) out.displayName = t.displayName
  if (secret !== undefined) out.accessToken = secret
  if (t.expireTime !== undefined) out.expireTime = toIso(t.expireTime)
  if (t.revokeTime !== undefined) out.revokeTime = toIso(t.revokeTime)
  return out
}
