import { PullUpdateReply, type ResourceInput } from '@openindent/contract'
import { requireRole, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { DomainError, notFound } from '../errors.js'
import { bulkUpdateResources } from '../resources/bulk-update.js'
import type { ResourceRecord } from '../resources/types.js'
import type { WebhookCaller } from './ports.js'
import type { WebhookRecord } from './types.js'

/** Whether a pull webhook serves any of `kinds` (lower-cased substring, as Indent matches); none asked: all. */
function serves(hook: WebhookRecord, kinds: readonly string[]): boolean {
  if (kinds.length === 0 || hook.resourceKinds.length === 0) return true
  return kinds.some((k) => hook.resourceKinds.some((h) => k.toLowerCase().includes(h.toLowerCase())))
}

/**
 * Indent's PullUpdate: asks every pullUpdate webhook that serves `kinds` for its resources (a signed
 * `{kinds, flags}`) and upserts what they return as `:bulkUpdate` does, all or nothing. A receiver that
 * fails, or answers something other than `{resources}`, fails the whole pull and nothing is written.
 */
export async function pullUpdate(
  ctx: Ctx & { webhookCaller: WebhookCaller },
  access: SpaceAccess,
  kinds: string[],
  flags: Record<string, string>,
): Promise<ResourceRecord[]> {
  requireRole(access, 'editor')
  const hooks = (await ctx.store.webhooks.byHandler(access.space.id, 'pullUpdate')).filter(
    (h) => serves(h, kinds) && !h.dryRun,
  )
  if (hooks.length === 0) {
    throw notFound(kinds.length ? `a pullUpdate webhook for ${kinds.join(', ')}` : 'a pullUpdate webhook')
  }
  const pulled: ResourceInput[] = []
  for (const hook of hooks) {
    const body = JSON.stringify({ kinds: kinds.length ? kinds : hook.resourceKinds, flags })
    let text: string
    try {
      const res = await ctx.webhookCaller.call(hook, body)
      if (res.status < 200 || res.status >= 300) throw new Error(`answered HTTP ${res.status}`)
      text = res.body
    } catch (err) {
      throw new DomainError(
        'UNAVAILABLE',
        `pullUpdate webhook ${hook.name} failed: ${(err as Error).message}`,
      )
    }
    const reply = PullUpdateReply.safeParse(parseJson(text))
    if (!reply.success) {
      throw new DomainError(
        'UNAVAILABLE',
        `pullUpdate webhook ${hook.name} did not answer {resources: [...]}`,
      )
    }
    pulled.push(...reply.data.resources)
  }
  return (await bulkUpdateResources(ctx, access, pulled)).resources
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
