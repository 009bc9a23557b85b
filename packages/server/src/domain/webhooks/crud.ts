import { randomBytes } from 'node:crypto'
import { EVENT_NAMES, type WebhookInput } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { alreadyExists, DomainError, invalid, notFound } from '../errors.js'
import { newSecret } from '../ids.js'
import type { WebhookChanges } from './ports.js'
import type { WebhookRecord } from './types.js'
import { metadataHostIn } from './url-guard.js'

/** Settings the webhook use cases need from configuration. */
export interface WebhookSettings {
  /** Let receivers sit at cloud metadata addresses (never, unless the operator says so). */
  allowMetadataUrls: boolean
}

const webhookEvent = (event: string, access: SpaceAccess, name: string, now: number) => ({
  event,
  actor: access.actor,
  resources: [{ kind: 'openindent.v1.Webhook', id: name }],
  timestamp: now,
})

/** An http(s) URL, not at a cloud metadata address unless allowed. */
export function checkUrl(text: string, settings: WebhookSettings): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid('url must be an absolute http:// or https:// URL', 'url')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('url must be an http:// or https:// URL', 'url')
  if (url.username || url.password) throw invalid('url must not carry a user name or password', 'url')
  const host = metadataHostIn(url)
  if (host && !settings.allowMetadataUrls)
    throw invalid(`url points at a cloud metadata address (${host}); receivers may not sit there`, 'url')
  return url.toString()
}

/**
 * Webhooks one space may have. Every change is offered to each of them, so the bound keeps a space's
 * fan-out (and its list, answered whole) small.
 */
export const MAX_WEBHOOKS_PER_SPACE = 100

export async function listWebhooks(ctx: Ctx, access: SpaceAccess): Promise<WebhookRecord[]> {
  requireRole(access, 'editor')
  return ctx.store.webhooks.list(access.space.id)
}

export async function getWebhook(ctx: Ctx, access: SpaceAccess, name: string): Promise<WebhookRecord> {
  requireRole(access, 'editor')
  const hook = await ctx.store.webhooks.get(access.space.id, name)
  if (!hook) throw notFound(`webhook "${name}"`)
  return hook
}

export async function createWebhook(
  ctx: Ctx & { webhookSettings: WebhookSettings },
  access: SpaceAccess,
  input: WebhookInput,
): Promise<WebhookRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  const hook: WebhookRecord = {
    spaceId: access.space.id,
    name: input.name ?? randomBytes(4).toString('hex'),
    ...(input.displayName ? { displayName: input.displayName } : {}),
    url: checkUrl(input.url, ctx.webhookSettings),
    method: input.method,
    secret: input.secret ?? newSecret('whsec'),
    handlerType: input.handler.type,
    resourceKinds: input.handler.resourceKinds,
    dryRun: input.dryRun,
    createTime: now,
    updateTime: now,
  }
  await ctx.store.transaction(async (tx) => {
    // Every instance caches the webhooks by handler: none may queue a grant's deliveries without this one.
    tx.revokesAccess()
    if ((await tx.webhooks.count(hook.spaceId)) >= MAX_WEBHOOKS_PER_SPACE) {
      throw new DomainError(
        'CONFLICT',
        `this space has ${MAX_WEBHOOKS_PER_SPACE} webhooks, as many as a space may have; delete one first`,
      )
    }
    if (!(await tx.webhooks.insert(hook))) throw alreadyExists(`webhook "${hook.name}"`)
    await tx.audit.append(hook.spaceId, [webhookEvent(EVENT_NAMES.webhookCreate, access, hook.name, now)])
  })
  return hook
}

export async function updateWebhook(
  ctx: Ctx & { webhookSettings: WebhookSettings },
  access: SpaceAccess,
  name: string,
  patch: Omit<WebhookChanges, 'resourceKinds'> & { handler?: { resourceKinds: string[] } | undefined },
): Promise<WebhookRecord> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  const { handler, ...rest } = patch
  const changes: WebhookChanges = {
    ...rest,
    ...(patch.url === undefined ? {} : { url: checkUrl(patch.url, ctx.webhookSettings) }),
    ...(handler ? { resourceKinds: handler.resourceKinds } : {}),
  }
  return ctx.store.transaction(async (tx) => {
    tx.revokesAccess() // as in createWebhook: no instance uses the old settings once this returns
    const hook = await tx.webhooks.update(access.space.id, name, changes, now)
    if (!hook) throw notFound(`webhook "${name}"`)
    await tx.audit.append(hook.spaceId, [webhookEvent(EVENT_NAMES.webhookUpdate, access, name, now)])
    return hook
  })
}

/** Deletes a webhook; its pending deliveries are dead-lettered by the worker when it meets them. */
export async function deleteWebhook(ctx: Ctx, access: SpaceAccess, name: string): Promise<void> {
  requireRole(access, 'editor')
  const now = ctx.clock.now()
  await ctx.store.transaction(async (tx) => {
    tx.revokesAccess() // as in createWebhook: no instance queues deliveries to it once this returns
    if (!(await tx.webhooks.delete(access.space.id, name))) throw notFound(`webhook "${name}"`)
    await tx.audit.append(access.space.id, [webhookEvent(EVENT_NAMES.webhookDelete, access, name, now)])
  })
}
