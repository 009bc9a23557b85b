import type { PetitionEvent } from '../events.js'
import { identityOf } from '../identity.js'
import { newId } from '../ids.js'
import type { PetitionRecord } from '../petitions/types.js'
import { policyFor } from '../rules/policy.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { OutboxMessage } from '../webhooks/ports.js'
import { DIRECT, SLACK_POST_TOPIC } from './ports.js'

/** What a Slack delivery asks for: post the petition's message, or bring it up to date. */
export interface SlackDeliveryBody {
  petition: string
  post: boolean
}

/** Every step after the petition opened changes what its message shows. */
const UPDATES: ReadonlySet<PetitionEvent['type']> = new Set([
  'approved',
  'granted',
  'denied',
  'cancelled',
  'revoked',
  'expired',
  'closed',
])

/**
 * Where the rules governing a petition send its Slack message, once each: their channels, then their
 * Slack reviewers as `@email`, less the petitioners and the filer (four eyes).
 */
export async function slackTargetsOf(
  tx: Pick<UnitOfWork, 'rules' | 'resources'>,
  p: PetitionRecord,
): Promise<string[]> {
  const policy = await policyFor(tx, p.spaceId, p.resources)
  const own = new Set([...p.petitioners.map(identityOf), ...(p.filer ? [p.filer] : [])])
  const channels = policy.rules.flatMap((r) => r.spec.notify?.slackChannels ?? [])
  const users = policy.rules
    .flatMap((r) => r.spec.notify?.slackUsers ?? [])
    .map((e) => e.trim().toLowerCase())
    .filter((e) => !own.has(`user/${e}`))
    .map((e) => `${DIRECT}${e}`)
  return [...new Set([...channels, ...users])]
}

/**
 * The Slack deliveries a petition step calls for, queued in the step's transaction: a new petition is
 * posted to its rules' channels, and each later step updates those messages in place.
 */
export async function slackMessage(tx: UnitOfWork, e: PetitionEvent): Promise<OutboxMessage | undefined> {
  const post = e.type === 'opened'
  if (!post && !UPDATES.has(e.type)) return undefined
  const p = await tx.petitions.get(e.spaceId, e.petition)
  if (!p) return undefined
  // Decided in the transaction that opened it (auto-approved): nobody needs to review it.
  if (post && p.phase !== 'open') return undefined
  // Updates go where the petition was posted (or is queued to be): a petition decided as it opened,
  // or opened before its rule named a channel, has nothing there to update.
  const channels = post ? await slackTargetsOf(tx, p) : await tx.slack.postedTargets(e.spaceId, e.petition)
  return slackOutbox(
    e.spaceId,
    e.petition,
    post ? SLACK_POST_TOPIC : `petition.${e.type}.slack`,
    channels,
    e.at,
  )
}

/** One outbox message posting (topic SLACK_POST_TOPIC) or updating a petition's message at `targets`. */
export function slackOutbox(
  spaceId: string,
  petition: string,
  topic: string,
  targets: string[],
  at: number,
): OutboxMessage | undefined {
  if (targets.length === 0) return undefined
  const body: SlackDeliveryBody = { petition, post: topic === SLACK_POST_TOPIC }
  return {
    id: newId('msg'),
    spaceId,
    topic,
    petition,
    createTime: at,
    deliveries: targets.map((target) => ({
      id: newId('dlv'),
      channel: 'slack',
      webhook: target,
      body: JSON.stringify(body),
    })),
  }
}
