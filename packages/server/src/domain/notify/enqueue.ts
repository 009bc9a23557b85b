import type { PetitionEvent } from '../events.js'
import { newId } from '../ids.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { OutboxMessage } from '../webhooks/ports.js'
import { decidedEmail, expiredEmail, newRequestEmail } from './emails.js'
import type { MailMessage } from './ports.js'
import { requesterEmails, reviewerEmails } from './recipients.js'

/**
 * The emails a petition step calls for: reviewers hear of a new request, requesters of the decision.
 * Queued in the step's transaction like webhook deliveries, one delivery per recipient.
 */
export async function emailMessage(
  tx: UnitOfWork,
  e: PetitionEvent,
  publicUrl: string,
): Promise<OutboxMessage | undefined> {
  if (e.type !== 'opened' && e.type !== 'granted' && e.type !== 'denied' && e.type !== 'expired')
    return undefined
  const p = await tx.petitions.get(e.spaceId, e.petition)
  if (!p) return undefined
  // Decided in the same transaction it was opened in (auto-approved or denied): nothing to review.
  if (e.type === 'opened' && p.phase !== 'open') return undefined
  const mails: MailMessage[] =
    e.type === 'opened'
      ? (await reviewerEmails(tx, p)).map((to) => newRequestEmail(to, p, publicUrl))
      : e.type === 'expired'
        ? requesterEmails(p).map((to) => expiredEmail(to, p, publicUrl))
        : requesterEmails(p).map((to) =>
            decidedEmail(to, p, e.type === 'granted' ? 'granted' : 'denied', publicUrl),
          )
  return emailOutbox(e.spaceId, `petition.${e.type}.email`, e.petition, mails, e.at)
}

/** One outbox message carrying `mails`, one delivery per recipient; undefined when there are none. */
export function emailOutbox(
  spaceId: string,
  topic: string,
  petition: string | undefined,
  mails: MailMessage[],
  at: number,
): OutboxMessage | undefined {
  if (mails.length === 0) return undefined
  return {
    id: newId('msg'),
    spaceId,
    topic,
    ...(petition ? { petition } : {}),
    createTime: at,
    deliveries: mails.map((m) => ({
      id: newId('dlv'),
      channel: 'email',
      webhook: m.to,
      body: JSON.stringify(m),
    })),
  }
}
