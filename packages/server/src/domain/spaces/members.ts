import { EVENT_NAMES, emailProblem, normalizeEmailAddress, type Role } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { invalid, notFound } from '../errors.js'
import { newId } from '../ids.js'
import { decodePageToken, isString, page } from '../pagination.js'
import type { PrincipalRepository } from './ports.js'
import { normalizeRoles } from './roles.js'
import type { MemberRecord, UserRecord } from './types.js'

/** An address as stored (trimmed, lower-case), or INVALID_ARGUMENT on `param` saying what is wrong with it. */
export function normalizeEmail(email: string, param = 'email'): string {
  const e = normalizeEmailAddress(email)
  const problem = emailProblem(e)
  if (problem)
    throw invalid(`${JSON.stringify(email.slice(0, 320))} is not an email address: it ${problem}`, param)
  return e
}

/** Adds a user (created on first sight, by email) to a space, or changes their roles. */
export async function putMember(
  ctx: Ctx,
  access: SpaceAccess,
  email: string,
  input: { roles: Role[]; displayName?: string | undefined },
): Promise<MemberRecord> {
  requireRole(access, 'editor')
  const address = normalizeEmail(email)
  const roles = normalizeRoles(input.roles)
  const now = ctx.clock.now()
  return ctx.store.transaction(async (tx) => {
    const user = await ensureUser(tx.principals, address, input.displayName, now)
    const before = await tx.principals.memberRoles(access.space.id, user.id)
    // Adding a member or a role needs nothing: no instance caches a refusal. Dropping a role does.
    if (before?.some((r) => !roles.includes(r))) tx.revokesAccess()
    await tx.principals.putMember(access.space.id, user.id, roles, now)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.memberUpdate,
        actor: access.actor,
        resources: [{ kind: 'user', id: address, email: address }],
        labels: { 'openindent.dev/roles': roles.join(',') },
        timestamp: now,
      },
    ])
    return { user, roles, createTime: now, updateTime: now }
  })
}

export async function ensureUser(
  principals: PrincipalRepository,
  email: string,
  displayName: string | undefined,
  now: number,
): Promise<UserRecord> {
  const existing = await principals.userByEmail(email)
  if (existing) return existing
  await principals.createUser({ id: newId('usr'), email, displayName, isAdmin: false }, now)
  const created = await principals.userByEmail(email)
  if (!created) throw notFound(`user "${email}"`)
  return created
}

export async function deleteMember(ctx: Ctx, access: SpaceAccess, email: string): Promise<void> {
  requireRole(access, 'editor')
  const address = normalizeEmail(email)
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    tx.revokesAccess()
    const user = await tx.principals.userByEmail(address)
    if (!user || !(await tx.principals.deleteMember(access.space.id, user.id)))
      throw notFound(`member "${address}"`)
    await tx.audit.append(access.space.id, [
      {
        event: EVENT_NAMES.memberDelete,
        actor: access.actor,
        resources: [{ kind: 'user', id: address }],
        timestamp: now,
      },
    ])
  })
}

export async function listMembers(
  ctx: Ctx,
  access: SpaceAccess,
  q: { pageSize?: number; pageToken?: string },
) {
  requireRole(access, 'viewer')
  const afterEmail = decodePageToken(q.pageToken, isString)
  return page(
    q.pageSize,
    (limit) => ctx.store.principals.listMembers(access.space.id, { afterEmail, limit }),
    (m) => m.user.email,
  )
}
