import type { DeliveryRecord } from '../webhooks/types.js'
import type { MailMessage } from './ports.js'

/**
 * A delivery's body as listings show it: an email that carries a credential (a sign-in link) shows
 * its recipient and subject only, so whoever may list deliveries cannot sign in as someone else.
 */
export function shownBody(d: Pick<DeliveryRecord, 'channel' | 'body'>): string {
  if (d.channel !== 'email') return d.body
  const mail = JSON.parse(d.body) as MailMessage
  if (!mail.credential) return d.body
  return JSON.stringify({ to: mail.to, subject: mail.subject, withheld: 'carries a sign-in link' })
}
