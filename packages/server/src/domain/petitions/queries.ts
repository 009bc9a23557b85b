import { type Event, PHASES, type Phase } from '@openindent/contract'
import { hasRole, requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid, notFound } from '../errors.js'
import { callerIdentity } from '../identity.js'
import { parseLabelSelector } from '../labels/selector.js'
import { decodePageToken, page } from '../pagination.js'
import { isPetitionerOrFiler, mayReview, policyFor } from '../rules/policy.js'
import type { GrantRecord, PetitionRecord } from './types.js'

/** A petition with its history (every audit event it caused, oldest first) and the grants it made. */
export interface PetitionDetails {
  petition: PetitionRecord
  history: Event[]
  grants: GrantRecord[]
}

/**
 * Who sees a petition: petition admins and editors see every one; a viewer sees those they are a
 * petitioner of, filed, or may review. Anyone else is told it does not exist.
 */
export async function getPetition(ctx: Ctx, access: SpaceAccess, name: string): Promise<PetitionRecord> {
  requireRole(access, 'viewer')
  const p = await ctx.store.petitions.get(access.space.id, name)
  if (!p || !(await maySee(ctx, access, p))) throw notFound(`petition "${name}"`)
  return p
}

/** Whether the caller may see the named petition, as getPetition decides, without throwing when not. */
export async function maySeePetition(ctx: Ctx, access: SpaceAccess, name: string): Promise<boolean> {
  if (hasRole(access.roles, 'petitionAdmin')) return true
  const p = await ctx.store.petitions.get(access.space.id, name)
  return p !== undefined && (await maySee(ctx, access, p))
}

async function maySee(ctx: Ctx, access: SpaceAccess, p: PetitionRecord): Promise<boolean> {
  if (hasRole(access.roles, 'petitionAdmin') || isPetitionerOrFiler(p, access)) return true
  return mayReview(await policyFor(ctx.store, p.spaceId, p.resources), access)
}

/** Histories and grants of several petitions of one space, in two queries whatever their number. */
export async function withDetails(ctx: Ctx, petitions: PetitionRecord[]): Promise<PetitionDetails[]> {
  const first = petitions[0]
  if (!first) return []
  const names = petitions.map((p) => p.name)
  const [events, grants] = await Promise.all([
    ctx.store.audit.petitionEvents(first.spaceId, names),
    ctx.store.petitions.grantsOf(first.spaceId, names),
  ])
  const history = new Map<string, Event[]>()
  for (const e of events) {
    if (e.petition === undefined) continue
    const list = history.get(e.petition) ?? []
    list.push(e.event)
    history.set(e.petition, list)
  }
  return petitions.map((p) => ({
    petition: p,
    history: history.get(p.name) ?? [],
    grants: grants.get(p.name) ?? [],
  }))
}

export async function petitionDetails(ctx: Ctx, p: PetitionRecord): Promise<PetitionDetails> {
  const [details] = await withDetails(ctx, [p])
  return details as PetitionDetails
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

/**
 * Newest first unless `ascending`; keyset pagination on (create time, name); every filter in the
 * query. A viewer lists only the petitions they are a petitioner of or filed.
 */
export async function listPetitions(
  ctx: Ctx,
  access: SpaceAccess,
  q: ListPetitionsInput,
): Promise<{ items: PetitionDetails[]; nextPageToken?: string }> {
  requireRole(access, 'viewer')
  if (q.phase !== undefined && !PHASES.includes(q.phase)) throw invalid('unknown phase', 'phase')
  const selector = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined
  const after = decodePageToken(q.pageToken, isCursor)
  const result = await page(
    q.pageSize,
    (limit) =>
      ctx.store.petitions.list(access.space.id, {
        phase: q.phase,
        // People are stored by lower-cased email; a filter naming one matches however it is spelled.
        petitioner: q.petitioner?.includes('@') ? q.petitioner.trim().toLowerCase() : q.petitioner,
        resource: q.resource,
        selector,
        visibleTo: hasRole(access.roles, 'petitionAdmin') ? undefined : callerIdentity(access),
        after: after && { time: after[0], name: after[1] },
        ascending: q.ascending ?? false,
        limit,
      }),
    (last) => [last.createTime, last.name],
  )
  return { ...result, items: await withDetails(ctx, result.items) }
}
