import { EVENT_NAMES, type Role } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import { normalizeRoles } from '../spaces/roles.js'
import type { ServiceAccountRecord } from '../spaces/types.js'
import type { UnitOfWork } from '../unit-of-work.js'

export interface NewServiceAccount {
  name: string
  displayName?: string | undefined
  roles: Role[]
}

export async function createServiceAccountIn(
  tx: UnitOfWork,
  access: Pick<SpaceAccess, 'space' | 'actor'>,
  input: NewServiceAccount,
  now: number,
): Promise<ServiceAccountRecord> {
  const sa = { id: newId('sa'), spaceId: access.space.id, ...input, roles: normalizeRoles(input.roles) }
  if (!(await tx.principals.createServiceAccount(sa, now)))
    throw alreadyExists(`service account "${input.name}"`)
  await tx.audit.append(access.space.id, [
    {
      event: EVENT_NAMES.serviceAccountCreate,
      actor: access.actor,
      resources: [{ kind: 'openindent.v1.ServiceAccount', id: input.name }],
      labels: { 'openindent.dev/roles': sa.roles.join(',') },
      timestamp: now,
    },
  ])
  const record: ServiceAccountRecord = { ...sa, createTime: now }
  if (input.displayName === undefined) delete record.displayName
  return record
}

export async function createServiceAccount(ctx: Ctx, access: SpaceAccess, input: NewServiceAccount) {
  requireRole(access, 'editor')
  return ctx.store.transaction((tx) => createServiceAccountIn(tx, access, input, ctx.clock.now()))
}

/** Deletes a service account; its tokens stop working with the same commit. */
export async function deleteServiceAccount(ctx: Ctx, access: SpaceAccess, name: string) {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    tx.revokesAccess()
    const sa = await tx.principals.deleteServiceAccount(access.space.id, name, now)
    if (!sa) throw notFound(`service account "${name}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.serviceAccountDelete,
        actor: access.actor,
        resources: [{ kind: 'openindent.v1.ServiceAccount', id: name }],
        timestamp: now,
      },
    ])
    return sa
  })
}

export async function listServiceAccounts(
  ctx: Ctx,
  access: SpaceAccess,
  q: { pageSize?: number; pageToken?: string },
) {
  requireRole(access, 'editor')
  const afterName = decodePageToken(q.pageToken, isString)
  return page(
    q.pageSize,
    (limit) => ctx.store.principals.listServiceAccounts(access.space.id, { afterName, limit }),
    (sa) => sa.name,
  )
}
