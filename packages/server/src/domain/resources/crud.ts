import { EVENT_NAMES, type ResourceInput } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, invalid, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { reevaluateOpenPetitions } from '../petitions/lifecycle/reevaluate.js'
import { asEventResource, resourceEvent } from './events.js'
import { toContent } from './input.js'
import { type ResourceRecord, resourceName } from './types.js'

export async function getResource(ctx: Ctx, access: SpaceAccess, name: string): Promise<ResourceRecord> {
  requireRole(access, 'viewer')
  const r = await ctx.store.resources.get(access.space.id, name)
  if (!r) throw notFound(`resource "${name}"`)
  return r
}

export async function createResource(
  ctx: Ctx,
  access: SpaceAccess,
  input: ResourceInput,
): Promise<ResourceRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const created = await tx.resources.insert(access.space.id, toContent(input), now, newId('w'))
    if (!created) throw alreadyExists(`resource ${input.kind}/${input.id}`)
    await tx.audit.append(access.space.id, [
      resourceEvent(EVENT_NAMES.resourceUpdate, access, [created], now),
    ])
    return created
  })
}

/** Replaces a resource's content. Its `(kind, id)` is its identity and must match the name. */
export async function updateResource(
  ctx: Ctx,
  access: SpaceAccess,
  name: string,
  input: ResourceInput,
): Promise<ResourceRecord> {
  requireRole(access, 'editor')
  if (resourceName(input.kind, input.id) !== name) {
    throw invalid(
      `resource ${input.kind}/${input.id} is not named "${name}"; kind and id cannot change`,
      'resource',
    )
  }
  const now = ctx.clock.now()
  const updated = await ctx.store.transaction(async (tx) => {
    const replaced = await tx.resources.replace(access.space.id, name, toContent(input), now)
    if (!replaced) throw notFound(`resource "${name}"`)
    await tx.audit.append(access.space.id, [
      resourceEvent(EVENT_NAMES.resourceUpdate, access, [replaced], now),
    ])
    return replaced
  })
  await reevaluateOpenPetitions(ctx, access.space.id, [asEventResource(updated)])
  return updated
}

export async function deleteResources(
  ctx: Ctx,
  access: SpaceAccess,
  names: string[],
): Promise<ResourceRecord[]> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const deleted = await tx.resources.delete(access.space.id, [...new Set(names)])
    if (deleted.length > 0) {
      await tx.audit.append(access.space.id, [
        resourceEvent(EVENT_NAMES.resourceDelete, access, deleted, now),
      ])
    }
    return deleted
  })
}

export async function deleteResource(ctx: Ctx, access: SpaceAccess, name: string): Promise<ResourceRecord> {
  const [deleted] = await deleteResources(ctx, access, [name])
  if (!deleted) throw notFound(`resource "${name}"`)
  return deleted
}
