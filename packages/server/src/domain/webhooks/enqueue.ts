import { EVENT_NAMES, type Event } from '@openindent/contract'
import type { PetitionEvent, PetitionEventType } from '../events.js'
import { newId } from '../ids.js'
import { emailMessage } from '../notify/enqueue.js'
import { slackMessage } from '../slack/enqueue.js'
import type { BeforeCommit, UnitOfWork } from '../unit-of-work.js'
import type { OutboxMessage } from './ports.js'
import type { WebhookRecord } from './types.js'

/**
 * The petition steps an `applyUpdate` receiver must hear of: a grant provisions access, and every way
 * a grant ends removes it.
 */
const APPLY: Partial<Record<PetitionEventType, 'grant' | 'revoke'>> = {
  granted: 'grant',
  revoked: 'revoke',
  expired: 'revoke',
  closed: 'revoke',
}

export interface OutboxSettings {
  /** Set when email is configured: where links in emails point. */
  email?: { publicUrl: string } | undefined
  /** Set when a Slack bot token is configured: rules' channels hear of their petitions. */
  slack?: boolean | undefined
}

/**
 * Queues the deliveries the transaction's events call for, in the same transaction: a grant that
 * commits has its deliveries committed with it, and a rollback leaves neither.
 */
export function outboxWriter(settings: OutboxSettings = {}): BeforeCommit {
  return async (tx, events) => {
    await queueWebhooks(tx, events)
    if (settings.slack) {
      // One update per petition and transaction is enough: it shows the state as sent, not as queued.
      const updated = new Set<string>()
      for (const e of events) {
        const key = `${e.spaceId}\u0000${e.petition}`
        if (e.type !== 'opened' && updated.has(key)) continue
        const message = await slackMessage(tx, e)
        if (!message) continue
        await tx.outbox.enqueue(message)
        if (e.type !== 'opened') updated.add(key)
      }
    }
    const { email } = settings
    if (!email) return
    for (const e of events) {
      const message = await emailMessage(tx, e, email.publicUrl)
      if (message) await tx.outbox.enqueue(message)
    }
  }
}

async function queueWebhooks(tx: UnitOfWork, events: readonly PetitionEvent[]): Promise<void> {
  const hooksBySpace = new Map<string, WebhookRecord[]>()
  for (const e of events) {
    const action = APPLY[e.type]
    if (!action) continue
    let hooks = hooksBySpace.get(e.spaceId)
    if (!hooks) {
      hooks = await tx.webhooks.byHandler(e.spaceId, 'applyUpdate')
      hooksBySpace.set(e.spaceId, hooks)
    }
    if (hooks.length === 0) continue
    const message = await applyMessage(tx, e, action, hooks)
    if (message.deliveries.length > 0) await tx.outbox.enqueue(message)
  }
}

/**
 * Indent's ApplyUpdate call: `{events}` with one `access/grant` (or `access/revoke`) per petitioner and
 * target, resources `[petitioner, target]`; a grant also carries the petition's `access/request` and
 * `access/approve` events. A webhook that names resource kinds gets only the events for those kinds.
 */
async function applyMessage(
  tx: UnitOfWork,
  e: PetitionEvent,
  action: 'grant' | 'revoke',
  hooks: WebhookRecord[],
): Promise<OutboxMessage> {
  const only =
    action === 'grant'
      ? [EVENT_NAMES.accessRequest, EVENT_NAMES.accessApprove, EVENT_NAMES.accessGrant]
      : [EVENT_NAMES.accessRevoke]
  const history = (await tx.audit.petitionEvents(e.spaceId, [e.petition], { only })).map((s) => s.event)
  const main = action === 'grant' ? EVENT_NAMES.accessGrant : EVENT_NAMES.accessRevoke
  const context = history.filter((ev) => ev.event !== main)
  const changes = history.filter((ev) => ev.event === main)
  const deliveries: OutboxMessage['deliveries'] = []
  for (const hook of hooks) {
    const mine = changes.filter((ev) => handles(hook, ev))
    if (mine.length === 0) continue
    deliveries.push({
      id: newId('dlv'),
      channel: 'webhook',
      webhook: hook.name,
      body: JSON.stringify({ events: [...context, ...mine] }),
    })
  }
  return {
    id: newId('msg'),
    spaceId: e.spaceId,
    topic: `petition.${e.type}`,
    petition: e.petition,
    createTime: e.at,
    deliveries,
  }
}

/** Whether the webhook handles the event's target (its second resource), by kind as Indent matches. */
export function handles(hook: Pick<WebhookRecord, 'resourceKinds'>, ev: Event): boolean {
  if (hook.resourceKinds.length === 0) return true
  const kind = (ev.resources?.[1]?.kind ?? ev.resources?.[0]?.kind ?? '').toLowerCase()
  return hook.resourceKinds.some((k) => kind.includes(k.toLowerCase()))
}
