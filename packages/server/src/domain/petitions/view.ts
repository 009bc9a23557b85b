import {
  type Event,
  formatGoDuration,
  type Grant,
  type Petition,
  PHASES,
  type Phase,
} from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import { toIso } from '../clock.js'
import type { Ctx } from '../context.js'
import { invalid, notFound } from '../errors.js'
import { matchesSelector } from '../labels/match.js'
import { parseLabelSelector } from '../labels/selector.js'
import { decodePageToken, page } from '../pagination.js'
import type { GrantRecord, PetitionRecord } from './types.js'

/** A petition as the wire shows it, with its event history and grants. */
export async function petitionView(ctx: Ctx, spaceName: string, p: PetitionRecord): Promise<Petition> {
  const [history, grants] = await Promise.all([
    ctx.store.petitions.history(p.spaceId, p.name),
    ctx.store.petitions.grantsOf(p.spaceId, p.name),
  ])
  const out: Petition = {
    name: p.name,
    spaceName,
    meta: {
      name: p.name,
      space: spaceName,
      labels: p.labels,
      createTime: toIso(p.createTime),
      updateTime: toIso(p.updateTime),
    },
    petitioners: p.petitioners,
    resources: p.resources,
    state: {
      status: { phase: p.phase },
      eventHistory: history.map((body) => JSON.parse(body) as Event),
      grants: grants.map(wireGrant),
    },
  }
  if (p.reason !== undefined) out.reason = p.reason
  if (p.durationMs !== undefined) out.defaultDuration = formatGoDuration(p.durationMs)
  return out
}

function wireGrant(g: GrantRecord): Grant {
  const out: Grant = { petitioner: g.petitioner, resource: g.resource, startTime: toIso(g.startTime) }
  if (g.expireTime !== undefined) out.expireTime = toIso(g.expireTime)
  if (g.revokeTime !== undefined) out.revokeTime = toIso(g.revokeTime)
  return out
}

export async function getPetition(ctx: Ctx, access: SpaceAccess, name: string): Promise<PetitionRecord> {
  requireRole(access, 'viewer')
  const p = await ctx.store.petitions.get(access.space.id, name)
  if (!p) throw notFound(`petition "${name}"`)
  return p
}

export interface ListPetitionsInput {
  phase?: Phase | undefined
  petitioner?: string | undefined
  resource?: string | undefined
  labelSelector?: string | undefined
  ascending?: boolean | undefined
  pageSize?: number | undefined
  pageToken?: string | undefined
}

const isCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string'

/** Newest first unless `ascending`; keyset pagination on (create time, name). */
export async function listPetitions(ctx: Ctx, access: SpaceAccess, q: ListPetitionsInput) {
  requireRole(access, 'viewer')
  if (q.phase !== undefined && !PHASES.includes(q.phase)) throw invalid('unknown phase', 'phase')
  const selector = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined
  const after = decodePageToken(q.pageToken, isCursor)
  const result = await page(
    q.pageSize,
    (limit) =>
      ctx.store.petitions.list(access.space.id, {
        phase: q.phase,
        petitioner: q.petitioner,
        resource: q.resource,
        after: after && { time: after[0], name: after[1] },
        ascending: q.ascending ?? false,
        limit,
      }),
    (last) => [last.createTime, last.name],
  )
  // Petition labels are few and set by the server and client; filtered here rather than in SQL.
  if (selector) result.items = result.items.filter((p) => matchesSelector(selector, p.labels))
  return result
}
