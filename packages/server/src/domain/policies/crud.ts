import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, invalid, notFound } from '../errors.js'
import { callerIdentity } from '../identity.js'
import { decodePageToken, page } from '../pagination.js'
import { type CompiledPolicy, compilePolicy } from './compile.js'
import type { PolicyChange, PolicyInput, PolicyRecord, PolicySetInfo } from './types.js'

export const POLICY_EVENTS = {
  create: 'policy/create',
  update: 'policy/update',
  delete: 'policy/delete',
  settings: 'policy/settings',
  shadow: 'policy/shadow',
} as const

/** A policy with what its text means. */
export type PolicyView = PolicyRecord & CompiledPolicy

const view = (p: PolicyRecord): PolicyView => ({ ...p, ...compilePolicy(p.id, p.text) })

function changeEvent(event: string, access: SpaceAccess, id: string, version: number, now: number) {
  return {
    event,
    actor: access.actor,
    resources: [{ kind: 'openindent.v1.Policy', id }],
    timestamp: now,
    labels: { 'openindent.dev/policy-set-version': String(version) },
  }
}

export async function listPolicies(
  ctx: Ctx,
  access: SpaceAccess,
): Promise<{ info: PolicySetInfo; policies: PolicyView[] }> {
  requireRole(access, 'viewer')
  const info = await ctx.store.policies.info(access.space.id)
  return { info, policies: (await ctx.store.policies.all(access.space.id)).map(view) }
}

export async function getPolicy(ctx: Ctx, access: SpaceAccess, id: string): Promise<PolicyView> {
  requireRole(access, 'viewer')
  const p = await ctx.store.policies.get(access.space.id, id)
  if (!p) throw notFound(`policy "${id}"`)
  return view(p)
}

/** Creates a policy; one that does not validate against the schema is refused and nothing is stored. */
export async function createPolicy(ctx: Ctx, access: SpaceAccess, id: string, input: PolicyInput) {
  requireRole(access, 'editor')
  const compiled = compilePolicy(id, input.text)
  const now = ctx.clock.now()
  const spaceId = access.space.id
  return ctx.store.transaction(async (tx) => {
    if (await tx.policies.get(spaceId, id)) throw alreadyExists(`policy "${id}"`)
    const version = await tx.policies.bump(spaceId, {
      policyId: id,
      change: 'create',
      text: input.text,
      mode: input.mode,
      actor: callerIdentity(access),
      time: now,
    })
    if (!(await tx.policies.insert(spaceId, id, input, version, now))) throw alreadyExists(`policy "${id}"`)
    await tx.audit.append(spaceId, [changeEvent(POLICY_EVENTS.create, access, id, version, now)])
    const stored: PolicyView = {
      id,
      text: input.text,
      mode: input.mode,
      version,
      createTime: now,
      updateTime: now,
      ...compiled,
    }
    if (input.description !== undefined) stored.description = input.description
    return stored
  })
}

export async function updatePolicy(ctx: Ctx, access: SpaceAccess, id: string, input: PolicyInput) {
  requireRole(access, 'editor')
  const compiled = compilePolicy(id, input.text)
  const now = ctx.clock.now()
  const spaceId = access.space.id
  return ctx.store.transaction(async (tx) => {
    if (!(await tx.policies.get(spaceId, id))) throw notFound(`policy "${id}"`)
    const version = await tx.policies.bump(spaceId, {
      policyId: id,
      change: 'update',
      text: input.text,
      mode: input.mode,
      actor: callerIdentity(access),
      time: now,
    })
    const stored = await tx.policies.replace(spaceId, id, input, version, now)
    if (!stored) throw notFound(`policy "${id}"`)
    await tx.audit.append(spaceId, [changeEvent(POLICY_EVENTS.update, access, id, version, now)])
    return { ...stored, ...compiled }
  })
}

export async function deletePolicy(ctx: Ctx, access: SpaceAccess, id: string): Promise<void> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  const spaceId = access.space.id
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.policies.get(spaceId, id))) throw notFound(`policy "${id}"`)
    const version = await tx.policies.bump(spaceId, {
      policyId: id,
      change: 'delete',
      actor: callerIdentity(access),
      time: now,
    })
    await tx.policies.delete(spaceId, id)
    await tx.audit.append(spaceId, [changeEvent(POLICY_EVENTS.delete, access, id, version, now)])
  })
}

/** Whether the runtime knows the IANA time zone (`Europe/Berlin`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Sets the time zone in which policies read `context.hour` and `context.weekday`. */
export async function setPolicyTimeZone(
  ctx: Ctx,
  access: SpaceAccess,
  timeZone: string,
): Promise<PolicySetInfo> {
  requireRole(access, 'editor')
  if (!isTimeZone(timeZone))
    throw invalid(`"${timeZone}" is not an IANA time zone such as Europe/Berlin`, 'timeZone')
  const now = ctx.clock.now()
  const spaceId = access.space.id
  return ctx.store.transaction(async (tx) => {
    const version = await tx.policies.bump(
      spaceId,
      { policyId: '', change: 'settings', actor: callerIdentity(access), time: now },
      timeZone,
    )
    await tx.audit.append(spaceId, [
      {
        ...changeEvent(POLICY_EVENTS.settings, access, '', version, now),
        resources: [],
        labels: {
          'openindent.dev/policy-set-version': String(version),
          'openindent.dev/time-zone': timeZone,
        },
      },
    ])
    return { version, timeZone }
  })
}

const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0

/** Every change of the set, newest first. */
export async function policyHistory(
  ctx: Ctx,
  access: SpaceAccess,
  pageSize: number | undefined,
  pageToken: string | undefined,
): Promise<{ items: PolicyChange[]; nextPageToken?: string }> {
  requireRole(access, 'viewer')
  const before = decodePageToken(pageToken, isVersion)
  return page(
    pageSize,
    (limit) => ctx.store.policies.history(access.space.id, limit, before),
    (last) => last.version,
  )
}
