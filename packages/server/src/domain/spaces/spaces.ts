import { EVENT_NAMES, type EventResource } from '@openindent/contract'
import { INSTANCE_CHAIN, isReservedChainId } from '../audit/chains.js'
import { isInstanceAdmin, type Principal, requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, denied, invalid, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import type { UnitOfWork } from '../unit-of-work.js'
import { spaceCreated, spaceDeleted, spaceResource } from './instance-events.js'
import type { SpaceRecord, SpaceSettings } from './types.js'

/** Creates a space with its audit chain, in the caller's transaction when there is one. */
export async function createSpaceIn(
  tx: UnitOfWork,
  actor: EventResource,
  input: { name: string; displayName?: string | undefined },
  now: number,
): Promise<SpaceRecord> {
  // Names are checked at the edges; this guard is for the chain ids that no name may ever take.
  if (isReservedChainId(input.name)) throw invalid(`space names cannot start with "_"`, 'space.name')
  const id = newId('spc')
  if (!(await tx.spaces.create({ id, ...input }, now))) throw alreadyExists(`space "${input.name}"`)
  await tx.audit.init(id)
  await tx.audit.append(id, [
    { event: EVENT_NAMES.spaceCreate, actor, resources: [spaceResource(input.name)], timestamp: now },
  ])
  await tx.audit.append(INSTANCE_CHAIN, [spaceCreated({ id, name: input.name }, actor, now)])
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

/**
 * Deletes a space and everything in it but its audit log. Instance administrators only. The space's
 * chain ends with a `space/delete` event (appending locks its head, so the chain cannot move under
 * us), and the instance log, which outlives the space, records what went with it and where that
 * chain ended: with the space gone, nothing else would show that it ever held anything.
 */
export async function deleteSpace(ctx: Ctx, access: SpaceAccess): Promise<SpaceRecord> {
  if (!isInstanceAdmin(access.principal)) throw denied('only an instance administrator can delete spaces')
  const { space, actor } = access
  const now = ctx.clock.now()
  // In a transaction like every write, so the commit is announced and caches drop the space; the call
  // returns once every instance has.
  await ctx.store.transaction(async (tx) => {
    tx.revokesAccess()
    const [last] = await tx.audit.append(space.id, [
      { event: EVENT_NAMES.spaceDelete, actor, resources: [spaceResource(space.name)], timestamp: now },
    ])
    const contents = await tx.spaces.contents(space.id)
    if (!last || !(await tx.spaces.delete(space.id))) throw notFound(`space "${space.name}"`)
    await tx.audit.append(INSTANCE_CHAIN, [spaceDeleted(space, actor, contents, last, now)])
  })
  return space
}
