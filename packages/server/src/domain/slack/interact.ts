import { LABELS } from '@openindent/contract'
import { rolesIn } from '../auth/authenticate.js'
import { actorOf, type Principal, type SpaceAccess } from '../auth/principal.js'
import type { Ctx } from '../context.js'
import { DomainError } from '../errors.js'
import { decide } from '../petitions/lifecycle/decide.js'
import type { SlackApi } from './ports.js'

/** A reviewer's click on a petition's message, as Slack reported it (and signed). */
export interface SlackClick {
  /** The Slack user who clicked. */
  userId: string
  /** Where the message is, for a refusal only they see. */
  channelId: string | undefined
  decision: 'approve' | 'deny'
  /** `space/petition`, as the button carried it. */
  ref: string
  /** The Go duration picked in the message's menu, for an approval. */
  duration?: string | undefined
}

/**
 * Applies a click through the same lifecycle as the API (reviewer rules, four eyes, audit), as the
 * member whose confirmed email the Slack user has. Whoever may not decide is told so in an ephemeral
 * message and nothing changes. Returns the refusal, or undefined when the decision was taken.
 */
export async function slackDecide(ctx: Ctx, api: SlackApi, click: SlackClick): Promise<string | undefined> {
  const refusal = await tryDecide(ctx, api, click)
  if (refusal && click.channelId) await api.ephemeral(click.channelId, click.userId, refusal)
  return refusal
}

async function tryDecide(ctx: Ctx, api: SlackApi, click: SlackClick): Promise<string | undefined> {
  const slash = click.ref.indexOf('/')
  const spaceName = click.ref.slice(0, slash)
  const petition = click.ref.slice(slash + 1)
  const access = await memberAccess(ctx, api, click.userId, spaceName)
  if (typeof access === 'string') return access
  try {
    await decide(ctx, access, petition, {
      event: click.decision === 'approve' ? 'access/approve' : 'access/deny',
      reason: 'decided in Slack',
      ...(click.decision === 'approve' && click.duration
        ? { labels: { [LABELS.duration]: click.duration } }
        : {}),
    })
    return undefined
  } catch (err) {
    if (err instanceof DomainError) return `Not done: ${err.message}`
    throw err
  }
}

/** The Slack user as a member of the space, found by the email Slack confirmed; or why not. */
async function memberAccess(
  ctx: Ctx,
  api: SlackApi,
  slackUser: string,
  spaceName: string,
): Promise<SpaceAccess | string> {
  const unknown =
    'Not done: your Slack account has no confirmed email that belongs to a member of this space.'
  const email = await api.confirmedEmail(slackUser)
  if (!email) return unknown
  const [space, user] = await Promise.all([
    ctx.store.spaces.byName(spaceName),
    ctx.store.principals.userByEmail(email),
  ])
  if (!space || !user) return unknown
  const principal: Principal = { type: 'user', user }
  const roles = await rolesIn(ctx.store, principal, space.id)
  if (!roles) return unknown
  return { space, roles, principal, actor: actorOf(principal) }
}
