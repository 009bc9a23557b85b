import { EVENT_NAMES, type EventResource } from '@openindent/contract'
import { isInstanceAdmin, type Principal, requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, denied } from '../errors.js'
import { newId } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { SpaceRecord, SpaceSettings } from './types.js'

/** Creates a space with its audit chain, in the caller's transaction when there is one. */
export async function createSpaceIn(
  tx: UnitOfWork,
  actor: EventResource,
  input: { name: string; displayName?: string | undefined },
  now: number,
): Promise<SpaceRecord> {
  const id = newId('spc')
  if (!(await tx.spaces.create({ id, ...input }, now))) throw alreadyExists(`space "${input.name}"`)
  await tx.audit.init(id)
  await tx.audit.append(id, [
    {
      event: EVENT_NAMES.spaceCreate,
      actor,
      resources: [{ kind: 'openindent.v1.Space', id: input.name }],
      timestamp: now,
    },
  ])
  const space: SpaceRecord = {
    id,
    name: input.name,
    settings: { requireKnownResources: false },
    createTime: now,
    updateTime: now,
  }
  if (input.displayName !== undefined) space.displayName = input.displayName
  return space
}

/** Only instance administrators (and the host's CLI) create spaces. */
export async function createSpace(
  ctx: Ctx,
  principal: Principal,
  actor: EventResource,
  input: { name: string; displayName?: string | undefined },
): Promise<SpaceRecord> {
  if (!isInstanceAdmin(principal)) throw denied('only an instance administrator can create spaces')
  return ctx.store.transaction((tx) => createSpaceIn(tx, actor, input, ctx.clock.now()))
}

/** The spaces a principal can see: a service account its own, a user those it is a member of. */
export async function listSpaces(
  ctx: Ctx,
  principal: Principal,
  q: { pageSize?: number; pageToken?: string },
) {
  let ids: string[] | undefined
  if (principal.type === 'serviceAccount') ids = [principal.token.spaceId]
  else if (principal.type === 'user' && !principal.user.isAdmin) {
    ids = await ctx.store.principals.spaceIdsOfUser(principal.user.id)
  }
  const afterName = decodePageToken(q.pageToken, isString)
  return page(
    q.pageSize,
    (limit) => ctx.store.spaces.list({ ids, afterName, limit }),
    (s) => s.name,
  )
}

export async function updateSpace(
  ctx: Ctx,
  access: SpaceAccess,
  patch: { displayName?: string | undefined; settings?: Partial<SpaceSettings> | undefined },
): Promise<SpaceRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const updated = (await tx.spaces.update(access.space.id, patch, now)) ?? access.space
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.spaceUpdate,
        actor: access.actor,
        resources: [{ kind: 'openindent.v1.Space', id: access.space.name }],
        ...(patch.settings?.requireKnownResources !== undefined
          ? {
              labels: {
                'openindent.dev/requireKnownResources': String(patch.settings.requireKnownResources),
              },
            }
          : {}),
        timestamp: now,
      },
    ])
    return updated
  })
}

/** Deletes a space and everything in it but its audit log. Instance administrators only. */
export async function deleteSpace(ctx: Ctx, access: SpaceAccess): Promise<SpaceRecord> {
  if (!isInstanceAdmin(access.principal)) throw denied('only an instance administrator can delete spaces')
  // In a transaction like every write, so the commit is announced and caches drop the space; the call
  // returns once every instance has.
  await ctx.store.transaction((tx) => {
    tx.revokesAccess()
    return tx.spaces.delete(access.space.id)
  })
  return access.space
}
