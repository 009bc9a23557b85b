import type { Ctx } from '../context.js'
import type { DeliveryRecord } from '../webhooks/types.js'
import type { SlackDeliveryBody } from './enqueue.js'
import { slackNotice } from './notice.js'
import { DIRECT, type SlackApi } from './ports.js'

/**
 * Sends one Slack delivery: posts the petition's message and remembers its ts, or updates the message
 * posted before. An update that finds no message yet throws, so the outbox retries it after the post
 * (deliveries of one petition may be attempted out of order). Throws what Slack refused.
 */
export async function deliverSlack(
  ctx: Ctx,
  api: SlackApi,
  publicUrl: string,
  delivery: Pick<DeliveryRecord, 'spaceId' | 'webhook' | 'body'>,
): Promise<void> {
  const { petition, post } = JSON.parse(delivery.body) as SlackDeliveryBody
  const channel = delivery.webhook
  const p = await ctx.store.petitions.get(delivery.spaceId, petition)
  if (!p) return
  const notice = await slackNotice(ctx.store, p, publicUrl, ctx.clock.now())
  const posted = await ctx.store.slack.message(p.spaceId, p.name, channel)
  if (posted) {
    // A post retried after it went through the first time updates instead of posting twice.
    await api.update(posted.channelId, posted.ts, notice)
    return
  }
  if (!post) {
    // A reviewer Slack does not know was never messaged: nothing to update. Otherwise the post is
    // still on its way, and this update waits for it.
    if (channel.startsWith(DIRECT) && !(await api.userIdByEmail(channel.slice(DIRECT.length)))) return
    throw new Error(`no Slack message for petition ${petition} in ${channel} yet`)
  }
  const target = channel.startsWith(DIRECT) ? await api.userIdByEmail(channel.slice(DIRECT.length)) : channel
  // A reviewer who is not in the workspace cannot be messaged there; email still reaches them.
  if (!target) return
  const { channelId, ts } = await api.post(target, notice)
  await ctx.store.slack.remember(p.spaceId, p.name, { channel, channelId, ts }, ctx.clock.now())
}
