import type { PetitionEvent } from '../events.js'
import { newId } from '../ids.js'
import type { UnitOfWork } from '../unit-of-work.js'
import type { OutboxMessage } from '../webhooks/ports.js'
import { decidedEmail, newRequestEmail } from './emails.js'
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
  if (e.type !== 'opened' && e.type !== 'granted' && e.type !== 'denied') return undefined
  const p = await tx.petitions.get(e.spaceId, e.petition)
  if (!p) return undefined
  // Decided in the same transaction it was opened in (auto-approved or denied): nothing to review.
  if (e.type === 'opened' && p.phase !== 'open') return undefined
  const mails: MailMessage[] =
    e.type === 'opened'
      ? (await reviewerEmails(tx, p)).map((to) => newRequestEmail(to, p, publicUrl))
      : requesterEmails(p).map((to) =>
          decidedEmail(to, p, e.type === 'granted' ? 'granted' : 'denied', publicUrl),
        )
  if (mails.length === 0) return undefined
  return {
    id: newId('msg'),
    spaceId: e.spaceId,
    topic: `petition.${e.type}.email`,
    petition: e.petition,
    createTime: e.at,
    deliveries: mails.map((m) => ({
      id: newId('dlv'),
      channel: 'email',
      webhook: m.to,
      body: JSON.stringify(m),
    })),
  }
}
